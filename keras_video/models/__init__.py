"""Model families. Importing a family module registers its backbone class and presets."""

from keras_video.models.backbone import Backbone
from keras_video.models.classifier import VideoClassifier
from keras_video.models.folding import fold_batch_norm
from keras_video.models.registry import create_backbone, create_model, get_preset, list_models

# Family modules (each registers presets on import) are appended below.
from keras_video.models import inception3d_presets  # noqa: F401,E402  (Inception-V1 3D family)
from keras_video.models import unified_presets  # noqa: F401,E402  (deep-analysis unified 2D/3D framework)
from keras_video.models import presets_resnet3d  # noqa: F401,E402  (3D ResNets: R(2+1)D paper, bottleneck)
from keras_video.models import presets_csn  # noqa: F401,E402  (Channel-Separated Networks)
from keras_video.models import presets_x3d  # noqa: F401,E402  (X2D / X3D)
