"""The laboratory and vital-sign records of a trial as one pandas frame, the same whatever the source.

Columns are ADaM BDS's, lower-cased, used as the source gives them (ADaM) or derived as ADaM would (SDTM, bundle;
the derivation is stated in the tables' footnotes). One row per record; the frame carries no arm: a participant's
arm comes from the participants, so the open edition's pooled data pool the laboratory tables too.

A column whose source variable is absent holds missing values throughout (NaN / None / <NA>), which the displays
read as "not collected", never as zero or "N".
"""

from __future__ import annotations

import pandas as pd

# name -> pandas dtype. The order is the stored and hashed order.
LAB_COLUMNS: dict[str, str] = {
    "subject_id": "object",  # USUBJID
    "domain": "object",  # "LB" (laboratory) or "VS" (vital signs)
    "dataset": "object",  # the source dataset's name: ADLBC, ADVS, LB, VS, labs.csv, vitals.csv
    "paramcd": "object",  # PARAMCD (SDTM --TESTCD; bundle `parameter`)
    "param": "object",  # PARAM (SDTM --TEST, with the unit as ADaM writes it: "Alanine Aminotransferase (U/L)")
    "parcat1": "object",  # PARCAT1: CHEMISTRY, HEMATOLOGY, URINALYSIS (SDTM LBCAT), None for vital signs
    "unit": "object",  # the standard unit (ADaM AVALU or the unit in PARAM; SDTM --STRESU)
    "visit": "object",  # AVISIT (SDTM VISIT)
    "visitnum": "float64",  # AVISITN (SDTM VISITNUM)
    "tpt": "object",  # ATPT (SDTM --TPT); for vital signs without one, the position (VSPOS)
    "tptnum": "float64",  # ATPTN (SDTM --TPTNUM)
    "position": "object",  # vital signs: VSPOS where the source gives it (SUPINE, STANDING, SITTING)
    "adt": "datetime64[s]",  # ADT (SDTM --DTC, complete dates only)
    "ady": "float64",  # ADY: study day, day 1 the first dose
    "aval": "float64",  # AVAL (SDTM --STRESN)
    "avalc": "object",  # AVALC (SDTM --STRESC) where the result is character
    "base": "float64",  # BASE
    "chg": "float64",  # CHG
    "anrlo": "float64",  # ANRLO, else A1LO (SDTM --STNRLO)
    "anrhi": "float64",  # ANRHI, else A1HI (SDTM --STNRHI)
    "anrind": "object",  # ANRIND: LOW, NORMAL, HIGH (also LOW LOW / HIGH HIGH / ABNORMAL as the source codes them)
    "bnrind": "object",  # BNRIND: the baseline record's ANRIND
    "atoxgr": "float64",  # ATOXGR as a number (0-5; SDTM --TOXGR)
    "btoxgr": "float64",  # BTOXGR
    "ablfl": "boolean",  # ABLFL = Y (SDTM --BLFL / --LOBXFL): the baseline record
    "anl01fl": "boolean",  # ANL01FL = Y; <NA> throughout when the source has no ANL01FL
    "ontrtfl": "boolean",  # ONTRTFL = Y (on treatment); derived for SDTM and the bundle, as the footnote says
    "dtype": "object",  # DTYPE: None for an observed record; LOCF, AVERAGE, ... for a derived one
}


def empty_lab_frame() -> pd.DataFrame:
    """A frame with every column and no rows."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in LAB_COLUMNS.items()})


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with exactly LAB_COLUMNS, in order and of their dtypes; a missing column is all missing."""
    length = len(frame)
    columns = {}
    for name, dtype in LAB_COLUMNS.items():
        if name in frame.columns:
            columns[name] = frame[name].astype(dtype) if str(frame[name].dtype) != dtype else frame[name]
        else:
            columns[name] = pd.Series([None] * length, dtype=dtype, index=frame.index)
    return pd.DataFrame(columns).reset_index(drop=True)
