"""ecomlib: an offline e-commerce analytics workbench.

Platform exports -> canonical tables (:mod:`ecomlib.schema`) -> a DuckDB warehouse
(:mod:`ecomlib.warehouse`) -> the model layer's marts, every business rule once in SQL
(:mod:`ecomlib.modelling`, ``ecomlib/sql``) -> metrics and models -> report notebooks run by :mod:`ecomlib.runner`.
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ecomlib")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+src"

__all__ = ["__version__"]
