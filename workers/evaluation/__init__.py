"""The evaluation report: faithfulness, references, sameness, lengths and a fairness probe over a cohort."""
