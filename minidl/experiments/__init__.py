"""The report's experiments and the book's case studies, built on the framework (never imported by it):
``report`` (the 15-round protocol, in one namespace: ``protocol``, ``runner``, ``results``, ``figures``,
``cli``), ``ensemble`` (many networks trained as one), ``digits``."""
