"""MedDRA's internationally agreed order of the system organ classes (MedDRA Introductory Guide; the order
agreed by the EMA's SmPC guideline and used by ICH E3 tables). SOCs not in the list sort after it, by name."""

from __future__ import annotations

INTERNATIONALLY_AGREED_ORDER = (
    "Infections and infestations",
    "Neoplasms benign, malignant and unspecified (incl cysts and polyps)",
    "Blood and lymphatic system disorders",
    "Immune system disorders",
    "Endocrine disorders",
    "Metabolism and nutrition disorders",
    "Psychiatric disorders",
    "Nervous system disorders",
    "Eye disorders",
    "Ear and labyrinth disorders",
    "Cardiac disorders",
    "Vascular disorders",
    "Respiratory, thoracic and mediastinal disorders",
    "Gastrointestinal disorders",
    "Hepatobiliary disorders",
    "Skin and subcutaneous tissue disorders",
    "Musculoskeletal and connective tissue disorders",
    "Renal and urinary disorders",
    "Pregnancy, puerperium and perinatal conditions",
    "Reproductive system and breast disorders",
    "Congenital, familial and genetic disorders",
    "General disorders and administration site conditions",
    "Investigations",
    "Injury, poisoning and procedural complications",
    "Surgical and medical procedures",
    "Social circumstances",
    "Product issues",
)
_RANK = {name.casefold(): index for index, name in enumerate(INTERNATIONALLY_AGREED_ORDER)}
SOC_ORDERS = ("meddra", "frequency")


def soc_sort_key(soc: str) -> tuple[int, str]:
    return (_RANK.get(soc.casefold(), len(_RANK)), soc.casefold())
