"""Controlled vocabularies for drugs and approvals, shared by models, filtersets and serializers."""

from django.db import models


class DrugClass(models.TextChoices):
    MONOCLONAL_ANTIBODY = "monoclonal_antibody", "Monoclonal antibody"
    BISPECIFIC_ANTIBODY = "bispecific_antibody", "Bispecific antibody"
    ANTIBODY_COMBINATION = "antibody_combination", "Fixed-dose antibody combination"
    TKI = "tki", "Tyrosine kinase inhibitor"
    ADC = "adc", "Antibody–drug conjugate"
    OTHER = "other", "Other"


class KinaseBinding(models.TextChoices):
    REVERSIBLE = "reversible", "Reversible"
    IRREVERSIBLE = "irreversible", "Irreversible"


class Route(models.TextChoices):
    INTRAVENOUS = "intravenous", "Intravenous"
    SUBCUTANEOUS = "subcutaneous", "Subcutaneous"
    ORAL = "oral", "Oral"


class DevelopmentStatus(models.TextChoices):
    APPROVED = "approved", "Approved"
    PHASE_3 = "phase_3", "Phase 3"
    PHASE_2 = "phase_2", "Phase 2"
    PHASE_1 = "phase_1", "Phase 1"
    DISCONTINUED = "discontinued", "Discontinued"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Agency(models.TextChoices):
    FDA = "FDA", "US FDA"
    EMA = "EMA", "EMA (European Commission)"
    NMPA = "NMPA", "China NMPA"
    PMDA = "PMDA", "Japan PMDA/MHLW"
    MHRA = "MHRA", "UK MHRA"
    HC = "HC", "Health Canada"
    TGA = "TGA", "Australia TGA"


class ApprovalType(models.TextChoices):
    REGULAR = "regular", "Regular"
    ACCELERATED = "accelerated", "Accelerated"
    CONVERSION_TO_REGULAR = "conversion_to_regular", "Conversion to regular"
    CONDITIONAL = "conditional", "Conditional"


class TumourType(models.TextChoices):
    BREAST = "breast", "Breast cancer"
    GASTRIC_GEJ = "gastric_gej", "Gastric or gastro-oesophageal junction cancer"
    COLORECTAL = "colorectal", "Colorectal cancer"
    NSCLC = "nsclc", "Non-small cell lung cancer"
    BILIARY_TRACT = "biliary_tract", "Biliary tract cancer"
    UROTHELIAL = "urothelial", "Urothelial cancer"
    SOLID_TUMOURS = "solid_tumours", "Solid tumours (tumour-agnostic)"
    OTHER = "other", "Other"


class Her2Category(models.TextChoices):
    POSITIVE = "positive", "HER2-positive"
    LOW = "low", "HER2-low"
    LOW_OR_ULTRALOW = "low_or_ultralow", "HER2-low or HER2-ultralow"
    ULTRALOW = "ultralow", "HER2-ultralow"
    MUTANT = "mutant", "HER2 (ERBB2)-mutant"
    IHC3_POSITIVE = "ihc3_positive", "HER2 IHC 3+ (tumour-agnostic)"


class TherapySetting(models.TextChoices):
    NEOADJUVANT = "neoadjuvant", "Neoadjuvant"
    ADJUVANT = "adjuvant", "Adjuvant"
    PERIOPERATIVE = "perioperative", "Early disease (neoadjuvant and adjuvant)"
    POST_NEOADJUVANT = "post_neoadjuvant", "Post-neoadjuvant (residual disease)"
    EXTENDED_ADJUVANT = "extended_adjuvant", "Extended adjuvant"
    METASTATIC_FIRST_LINE = "metastatic_first_line", "Advanced/metastatic, first line"
    METASTATIC_SECOND_LINE = "metastatic_second_line", "Advanced/metastatic, second line"
    METASTATIC_LATER_LINE = "metastatic_later_line", "Advanced/metastatic, later line"
    METASTATIC = "metastatic", "Advanced/metastatic, any line"
    EARLY_AND_METASTATIC = "early_and_metastatic", "Early and metastatic (whole label, e.g. biosimilars)"
