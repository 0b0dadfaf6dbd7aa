from django.apps import AppConfig
from django.db.backends.signals import connection_created


class AnnotationConfig(AppConfig):
    name = "annotation"

    def ready(self):
        from .record_text import sqlite_functions_register

        connection_created.connect(sqlite_functions_register)
