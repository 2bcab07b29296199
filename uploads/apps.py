import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Libraries that log what they read from a file at DEBUG level: Pillow's TIFF/EXIF reader logs
# every EXIF tag value (patient names, dates, institution) while a JPEG is opened. Capped at
# INFO so that LOG_LEVEL=DEBUG, turned on to chase a bug, cannot copy identifiers into logs.
FILE_CONTENT_LOGGERS = ("PIL", "pydicom")


class UploadsConfig(AppConfig):
    name = "uploads"
    verbose_name = _("Uploads and review")

    def ready(self) -> None:
        for name in FILE_CONTENT_LOGGERS:
            logger = logging.getLogger(name)
            if logger.level < logging.INFO:  # NOTSET too: it would follow a DEBUG root
                logger.setLevel(logging.INFO)
