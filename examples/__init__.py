"""The bundled example trial (msc-t1d): package data (service.resources.examples)."""
