"""Tenant branding: colour schemes with accessible text colours, the logo,
and the platform default (the operator's ``spec.branding``) that tenant
admins may override and reset to."""
