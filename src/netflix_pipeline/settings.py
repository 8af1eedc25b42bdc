"""Project settings."""

from omegaconf.resolvers import oc

from .hooks import RunResourcesHooks

HOOKS = (RunResourcesHooks(),)

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # Environment variables are allowed in parameters too (prod reads RAW_URI and the stage
    # location from them); secrets still belong in credentials.
    "custom_resolvers": {"oc.env": oc.env},
}
