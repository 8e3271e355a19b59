"""Jinja2 templates, CSS and fonts of the PDF reports: package data (service.resources.templates)."""
