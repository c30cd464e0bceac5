"""Names of the session-state entries that are not widgets, one place for all pages.

Widget keys are the URL keys each page binds (see ``ui.url_state``); these hold a
session's own objects: its jobs, its trained networks, its uploads.
"""
PRESENT = "present"                       # presentation mode (also a URL key)

MNIST_JOB = "mnist_job"                   # the running/finished training job
MNIST_LOG = "mnist_log"                   # TrainingLog the live charts read
MNIST_MODELS = "mnist_models"             # {name: trained nn.Module}: this session's networks
MNIST_MODELS_LOG = "mnist_models_log"     # the log of the run that made MNIST_MODELS
MNIST_SHOWN_JOB = "mnist_shown_job"
MNIST_DOWNLOAD = "mnist_download"         # MNIST download job
MNIST_DOWNLOAD_ERROR = "mnist_download_error"

STYLE_JOB = "style_job"

FM_USER_MODEL = "fm_user_model"           # ((model name, sha of upload), LoadedModel copy)
FM_LAST_LAYER = "fm_last_layer"
