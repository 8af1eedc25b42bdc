"""Building blocks of the offline dashboard (``netflix_pipeline.dashboard``).

Kept as Python modules rather than data files so that they ship in every install of the
package (wheel, editable, container image) with no package-data configuration.
"""
