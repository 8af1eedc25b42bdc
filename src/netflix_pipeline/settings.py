"""Project settings."""

import warnings

from omegaconf.resolvers import oc

from .hooks import RunResourcesHooks
from .runs import identity

# Kedro's config loader registers its resolvers through an omegaconf API deprecated in omegaconf
# 2.4, which warns on every call (four times a run). The warning is about Kedro's code, not
# ours, and there is nothing to do about it here: silence exactly that one, from that module.
warnings.filterwarnings(
    "ignore",
    message=r"register_new_resolver\(\) is deprecated",
    category=UserWarning,
    module=r"kedro\.config\.omegaconf_config",
)

HOOKS = (RunResourcesHooks(),)

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # Environment variables are allowed in parameters too (prod reads RAW_URI and the stage
    # location from them); secrets still belong in credentials.
    # ${run_id:} is the run's id (prod writes each run's reports to a folder of its own).
    "custom_resolvers": {"oc.env": oc.env, "run_id": identity.current},
    # An environment states only the values it changes: conf/prod sets `ingest.work_dir`
    # without repeating the rest of `ingest` (a hard merge would replace the whole key).
    "merge_strategy": {"parameters": "soft", "globals": "soft"},
}
