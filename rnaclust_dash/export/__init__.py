"""Files for the user: tables written as CSV or XLSX (:mod:`.tables`)."""
