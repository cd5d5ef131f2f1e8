"""lime's ``lime.wrappers`` names that lime tutorials import (see :mod:`.scikit_image`)."""
