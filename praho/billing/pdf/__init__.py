"""Documents as PDF: rendering (WeasyPrint), context (what prints), archive (stored copies),
downloads (serving them over HTTP).
"""
