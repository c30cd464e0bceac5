"""Names of the session-state entries that are not widgets, one place for all pages.

Widget keys are the URL keys each page binds (see ``ui.url_state``); these hold a
session's own objects: its jobs, its trained networks, its uploads.
"""
PRESENT = "present"                       # presentation mode (also a URL key)
URL_BOUND = "url_bound_keys"              # every key a UrlState has bound in this session
TOUR_NOTE = "tour_note"                   # a message for the next page (bad tour link, missing page)

# A ui.job_panel.JobPanel keeps its job under its key, plus "<key>_context" and "<key>_shown".
MNIST_JOB = "mnist_job"                   # the training job (context: the TrainingLog its charts read)
MNIST_MODELS = "mnist_models"             # {name: trained nn.Module}: this session's networks
MNIST_MODELS_LOG = "mnist_models_log"     # the log of the run that made MNIST_MODELS
MNIST_MODELS_JOB = "mnist_models_job"     # id of that run's job (a cache key for the analysis)
MNIST_DOWNLOAD = "mnist_download"         # MNIST download job

STYLE_JOB = "sty_job"                     # the style-transfer job (context: settings and pictures it ran with)

FM_USER_MODEL = "fm_user_model"           # ((model name, sha of upload), LoadedModel copy)
FM_LAST_LAYER = "fm_last_layer"           # (network, layer) last shown: a new layer opens on its strongest map
FM_MNIST_SNAPSHOTS = "fm_mnist_snapshots" # {name: (fingerprint, LoadedModel)}: frozen copies of MNIST-page nets

ARCH_SHORTCUT_JOB = "arch_shortcut_job"   # plain vs residual stacks (context: settings, RaceLog)
ARCH_RELU_JOB = "arch_relu_job"           # LeNet-5 with tanh vs ReLU (context: settings, RaceLog)

AUG_JOB = "aug_job"                       # augmentation: with/without comparison run
AUG_SIZE_JOB = "aug_size_job"             # augmentation: accuracy-vs-dataset-size curve
TR_GRID_JOB = "tr_grid_job"               # transfer on digits: 3 methods x k grid
TR_PHOTO_JOB = "tr_photo_job"             # transfer on photos: new head on frozen features
TR_FEATURES = "tr_features"               # {photo id: (512,) features}: this session's uploads only
TR_DECODED = "tr_decoded"                 # {upload id: decoded RGB}: this session's uploads only
