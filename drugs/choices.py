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
    EXPRESSING = "expressing", "HER2-expressing (IHC 1+, 2+ or 3+)"


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


class Designation(models.TextChoices):
    """Expedited programmes and special pathways an agency granted for an approval."""

    PRIORITY_REVIEW = "priority_review", "Priority review"
    BREAKTHROUGH_THERAPY = "breakthrough_therapy", "Breakthrough therapy"
    FAST_TRACK = "fast_track", "Fast track"
    ORPHAN = "orphan", "Orphan drug"
    RTOR = "rtor", "Real-Time Oncology Review"
    ASSESSMENT_AID = "assessment_aid", "Assessment Aid"
    PROJECT_ORBIS = "project_orbis", "Project Orbis"
    ACCELERATED_ASSESSMENT = "accelerated_assessment", "Accelerated assessment"
    PRIME = "prime", "PRIME (priority medicines)"
    CONDITIONAL = "conditional", "Conditional approval"
    SAKIGAKE = "sakigake", "SAKIGAKE"
    NOC_C = "noc_c", "Notice of Compliance with conditions (NOC/c)"
    PRIORITY_REVIEW_NMPA = "priority_review_nmpa", "Priority review (NMPA)"
    BREAKTHROUGH_NMPA = "breakthrough_nmpa", "Breakthrough therapy (NMPA)"


# Designations that exist at one agency only (a programme of that agency); all others may occur at several.
DESIGNATION_AGENCIES: dict[str, set[str]] = {
    Designation.RTOR: {Agency.FDA},
    Designation.ASSESSMENT_AID: {Agency.FDA},
    Designation.ACCELERATED_ASSESSMENT: {Agency.EMA},
    Designation.PRIME: {Agency.EMA},
    Designation.SAKIGAKE: {Agency.PMDA},
    Designation.NOC_C: {Agency.HC},
    Designation.PRIORITY_REVIEW_NMPA: {Agency.NMPA},
    Designation.BREAKTHROUGH_NMPA: {Agency.NMPA},
}


class DiagnosticTechnology(models.TextChoices):
    IHC = "ihc", "Immunohistochemistry (IHC)"
    ISH = "ish", "In situ hybridisation (ISH)"
    NGS_TISSUE = "ngs_tissue", "Next-generation sequencing, tissue"
    NGS_PLASMA = "ngs_plasma", "Next-generation sequencing, plasma"
    PCR = "pcr", "PCR"


class ScoringRule(models.TextChoices):
    """The patient-selection rule a companion diagnostic applies."""

    HER2_POSITIVE = "her2_positive", "HER2-positive (IHC 3+ or ISH-positive)"
    HER2_LOW = "her2_low", "HER2-low (IHC 1+ or IHC 2+/ISH−)"
    HER2_ULTRALOW = "her2_ultralow", "HER2-ultralow (IHC 0 with membrane staining)"
    HER2_LOW_OR_ULTRALOW = "her2_low_or_ultralow", "HER2-low or HER2-ultralow"
    HER2_IHC3 = "her2_ihc3", "HER2 IHC 3+"
    ERBB2_MUTATION = "erbb2_mutation", "HER2 (ERBB2) activating mutation"
    ERBB2_TKD_MUTATION = "erbb2_tkd_mutation", "HER2 (ERBB2) tyrosine-kinase-domain mutation"
    HER2_AMPLIFICATION = "her2_amplification", "HER2 (ERBB2) amplification"


class LabelDocument(models.TextChoices):
    """The kind of document that is an agency's label / product information."""

    DAILYMED_SPL = "dailymed_spl", "DailyMed (US prescribing information)"
    DRUGS_FDA_LABEL = "drugs_fda_label", "Drugs@FDA label"
    EPAR_SMPC = "epar_smpc", "EMA EPAR / summary of product characteristics"
    PMDA_PACKAGE_INSERT = "pmda_package_insert", "PMDA package insert"
    NMPA_LABEL = "nmpa_label", "NMPA label"
    HC_MONOGRAPH = "hc_monograph", "Health Canada product monograph"
    TGA_PI = "tga_pi", "TGA product information"
    MHRA_SMPC = "mhra_smpc", "MHRA summary of product characteristics"


class WarningKind(models.TextChoices):
    # In the order a label gives them prominence.
    BOXED_WARNING = "boxed_warning", "Boxed warning"
    WARNING_PRECAUTION = "warning_precaution", "Warning and precaution"
    CONTRAINDICATION = "contraindication", "Contraindication"


class WarningTopic(models.TextChoices):
    CARDIOMYOPATHY = "cardiomyopathy", "Cardiomyopathy"
    ILD_PNEUMONITIS = "ild_pneumonitis", "Interstitial lung disease / pneumonitis"
    EMBRYO_FETAL_TOXICITY = "embryo_fetal_toxicity", "Embryo-fetal toxicity"
    HEPATOTOXICITY = "hepatotoxicity", "Hepatotoxicity"
    DIARRHOEA = "diarrhoea", "Diarrhoea"
    INFUSION_REACTIONS = "infusion_reactions", "Infusion reactions"
    PULMONARY_TOXICITY = "pulmonary_toxicity", "Pulmonary toxicity"
    NEUTROPENIA = "neutropenia", "Neutropenia"
    OCULAR_TOXICITY = "ocular_toxicity", "Ocular toxicity"
    LEFT_VENTRICULAR_DYSFUNCTION = "left_ventricular_dysfunction", "Left ventricular dysfunction"
    OTHER = "other", "Other"


class EventType(models.TextChoices):
    """Regulatory decisions beyond an approval."""

    COMPLETE_RESPONSE_LETTER = "complete_response_letter", "Complete response letter"
    NEGATIVE_OPINION = "negative_opinion", "Negative opinion"
    REFUSAL = "refusal", "Refusal"
    APPLICATION_WITHDRAWN = "application_withdrawn", "Application withdrawn"
    WITHDRAWAL_INDICATION = "withdrawal_indication", "Indication withdrawn"
    WITHDRAWAL_AUTHORISATION = "withdrawal_authorisation", "Authorisation withdrawn"
    INTERCHANGEABILITY = "interchangeability", "Interchangeability designation"
    LABEL_UPDATE = "label_update", "Label update"
    BOXED_WARNING_CHANGE = "boxed_warning_change", "Boxed warning changed"
    CONVERSION_TO_REGULAR = "conversion_to_regular", "Conversion to regular approval"


# Events that refuse or take away an authorisation, shown as such on the pages.
NEGATIVE_EVENT_TYPES = frozenset(
    {
        EventType.COMPLETE_RESPONSE_LETTER,
        EventType.NEGATIVE_OPINION,
        EventType.REFUSAL,
        EventType.APPLICATION_WITHDRAWN,
        EventType.WITHDRAWAL_INDICATION,
        EventType.WITHDRAWAL_AUTHORISATION,
    }
)
