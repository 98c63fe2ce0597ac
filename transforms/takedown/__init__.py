"""Takedown stage: articles removed by ``newsetl remove`` from an earlier release stay out of later runs."""
