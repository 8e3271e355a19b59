"""Laboratory and vital-sign data for the safety section (FDA Standard Safety Tables and Figures IG v2.0).

Whatever the source (ADaM BDS ADLB*/ADVS, SDTM LB/VS, the bundle's labs.csv/vitals.csv), the records are one
columnar frame of the shape service.labs.frame defines; every display is made from that frame.
"""
