"""Back-office reports (menu Reports): gifts, allocations, stock, pledges due, scholarships.

Each is a Wagtail ReportView with a FilterSet and Wagtail's own CSV/XLSX export; the rows come
from the selectors of the app that owns them (fund.selectors.reports, care.selectors_reports).
"""
