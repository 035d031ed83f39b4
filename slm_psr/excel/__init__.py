"""Excel in and out: the supplier questionnaire, its response reader and the comparison workbook."""
