# R's lowess on a small noisy saturation curve (R 4.2.2), for tests/core/test_timecourse.py.
# Run from the repo root: Rscript tests/data/reference/fission/make_lowess_reference.R
x <- seq(0, 0.95, length = 50)
set.seed(1)
y <- round(1000 * (1 - exp(-5 * x)) + rnorm(50, 0, 30))
write.csv(data.frame(x = x, y = y, fit = lowess(x, y, f = 1/5)$y),
          "tests/data/reference/fission/lowess_f0.2.csv", row.names = FALSE)
