"""Benzarti and Carloni (2019) event study shipped with HonestDiD, and published HonestDiD output.

Inputs: ``BCdata_EventStudy`` (``betahat``, ``sigma``; years 2004-2007 pre, 2009-2012 post, reference
2008) from asheshrambachan/HonestDiD @ 9677595c1802ebe68769a24bb6e4e3fc8edbebd4,
``data/BCdata_EventStudy.rda``, read with the ``rdata`` Python package (full double precision)::

    rdata.conversion.convert(rdata.parser.parse_file("BCdata_EventStudy.rda"))["BCdata_EventStudy"]

Outputs: R HonestDiD and Stata honestdid on these inputs, printed in mcaceresb/stata-honestdid @
95c54012289575d19be10ad1729384a98b41ce68, ``test/unit-tests-consistency.md`` (the R columns, rounded
to three significant digits as printed):

- ``RM_DEFAULT``: ``createSensitivityResults_relativeMagnitudes(betahat, sigma, 4, 4)``
  (C-LF hybrid, ``Mbarvec = seq(0, 2, length.out = 10)``, 1000 grid points on +/- 20 sd of
  ``l'betahat`` with ``l = e_1``).
- ``RM_GRID100``: same with ``gridPoints = 100, grid.lb = -1, grid.ub = 1``,
  ``Mbarvec = seq(0, 2, by = 0.5)``; ``l = e_1`` and ``l = e_3`` (the doc reports the
  Conditional and C-LF methods identical here).
- ``SD_FLCI``: ``createSensitivityResults(..., method = "FLCI", Mvec = seq(0, 0.3, by = 0.1))``
  for ``l = e_1`` and ``l = e_3``, and ``createSensitivityResults(betahat, sigma, 4, 4)`` (FLCI on
  R's default ``M`` grid).
"""

BETAHAT = [
    0.006696351803839207,
    0.029345033690333366,
    -0.006472972221672535,
    0.0730149894952774,
    0.1959611177444458,
    0.31206390261650085,
    0.23954154551029205,
    0.12604250013828278,
]
SIGMA = (
    (
        0.0008428358123637736,
        0.00047686867765150964,
        0.00026180510758422315,
        0.00023542203416582197,
        0.00016763714666012675,
        0.00011287076631560922,
        1.9928162146243267e-05,
        -0.00013682653661817312,
    ),
    (
        0.00047686867765150964,
        0.000642542028799653,
        0.00039874250069260597,
        0.00024355151981581002,
        0.00022019603056833148,
        0.00018045911565423012,
        3.8437650800915435e-05,
        -2.960421988973394e-05,
    ),
    (
        0.00026180510758422315,
        0.00039874250069260597,
        0.000522994960192591,
        0.00021176860900595784,
        0.00018407222523819655,
        0.00014585278404410928,
        7.005197403486818e-05,
        5.952994979452342e-05,
    ),
    (
        0.00023542203416582197,
        0.00024355151981581002,
        0.00021176860900595784,
        0.0003089595411438495,
        0.00011978660768363625,
        0.00013340813165996224,
        0.000101633500889875,
        0.00010790517262648791,
    ),
    (
        0.00016763714666012675,
        0.00022019603056833148,
        0.00018407222523819655,
        0.00011978660768363625,
        0.00035997043596580625,
        0.0002478818641975522,
        0.00017495792417321354,
        0.00016542569210287184,
    ),
    (
        0.00011287076631560922,
        0.00018045911565423012,
        0.00014585278404410928,
        0.00013340813165996224,
        0.0002478818641975522,
        0.0004263949813321233,
        0.00021714378090109676,
        0.0002892747870646417,
    ),
    (
        1.9928162146243267e-05,
        3.8437650800915435e-05,
        7.005197403486818e-05,
        0.000101633500889875,
        0.00017495792417321354,
        0.00021714378090109676,
        0.0004886697861365974,
        0.00038053220487199724,
    ),
    (
        -0.00013682653661817312,
        -2.960421988973394e-05,
        5.952994979452342e-05,
        0.00010790517262648791,
        0.00016542569210287184,
        0.0002892747870646417,
        0.00038053220487199724,
        0.000761739443987608,
    ),
)
NUM_PRE = 4
NUM_POST = 4
YEARS = (2004, 2005, 2006, 2007, 2009, 2010, 2011, 2012)

# Mbar -> (lb, ub); R column of the consistency doc.
RM_DEFAULT = {
    0.0: (0.159, 0.233),
    0.2222: (0.143, 0.248),
    0.4444: (0.123, 0.267),
    0.6667: (0.101, 0.288),
    0.8889: (0.0786, 0.309),
    1.1111: (0.0551, 0.330),
    1.3333: (0.0308, 0.352),
    1.5556: (0.00722, 0.376),
    1.7778: (-0.0171, 0.379),
    2.0: (-0.0414, 0.379),
}
RM_GRID100_E1 = {
    0.0: (0.172, 0.232),
    0.5: (0.131, 0.253),
    1.0: (0.0707, 0.313),
    1.5: (0.0303, 0.354),
    2.0: (-0.0303, 0.414),
}
RM_GRID100_E3 = {
    0.0: (0.212, 0.273),
    0.5: (0.0707, 0.414),
    1.0: (-0.0909, 0.576),
    1.5: (-0.253, 0.737),
    2.0: (-0.434, 0.919),
}
SD_FLCI_E1 = {
    0.0: (0.131, 0.216),
    0.1: (0.119, 0.419),
    0.2: (0.0194, 0.519),
    0.3: (-0.0806, 0.619),
}
# R's default M grid for Delta^SD, ``seq(0, DeltaSD_upperBound_Mpre(...), length.out = 10)``; the
# upper bound 0.202169869297069 is stored in eohne/HonestDiD.jl @ 8179fe8 test/reference.jl
# (M_UPPERBOUND, generated from R). Rows k = 1..9 of the consistency doc's FLCI table.
SD_MPRE_UPPER = 0.202169869297069
SD_FLCI_E1_DEFAULT_GRID = (
    (0.184, 0.328),
    (0.175, 0.363),
    (0.152, 0.386),
    (0.130, 0.408),
    (0.107, 0.431),
    (0.0847, 0.453),
    (0.0622, 0.476),
    (0.0397, 0.498),
    (0.0173, 0.521),
)
SD_FLCI_E3 = {
    0.0: (0.144, 0.260),
    0.1: (-0.244, 1.16),
    0.2: (-0.844, 1.76),
    0.3: (-1.44, 2.36),
}
# Original (parallel-trends) 95% CI for l = e_1: R constructOriginalCS, as stored by
# eohne/HonestDiD.jl @ 8179fe811b5e4e2296ad65e14568049e7bed2eda test/reference.jl (generated from R).
ORIGINAL_E1 = (0.15877494280765, 0.233147292681241)
