# Annotation models arrive with the annotation issue.
