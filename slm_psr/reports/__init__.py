"""Printable reports: the award record (and, after the award, the monthly service report) as PDF.

Plain data in, PDF bytes out; no store and no streamlit here, so the app, the
command line and a notebook produce the same file.
"""

from slm_psr.reports.audit_words import audit_sentence
from slm_psr.reports.award_record import AuditLine, FileLine, VersionLine, award_record_pdf

__all__ = ["AuditLine", "FileLine", "VersionLine", "audit_sentence", "award_record_pdf"]
