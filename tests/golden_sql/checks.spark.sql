WITH `__wc_values` AS (
  SELECT
    CAST(`WEIGHT` AS DOUBLE) AS `w`
  FROM `analytics`.`weighted`
), `__wc_counts` AS (
  SELECT
    COUNT(*) AS `rows`,
    COUNT(*) - COUNT(`w`) AS `nulls`,
    COALESCE(SUM(CASE WHEN NOT `w` IS NULL AND NOT (
      `w` - `w` = 0
    ) THEN 1 ELSE 0 END), 0) AS `non_finite`,
    COALESCE(
      SUM(
        CASE WHEN `w` IN (CAST('inf' AS DOUBLE), CAST('-inf' AS DOUBLE)) THEN 1 ELSE 0 END
      ),
      0
    ) AS `infinite`
  FROM `__wc_values`
), `__wc_finite` AS (
  SELECT
    `w`
  FROM `__wc_values`
  WHERE
    `w` - `w` = 0
), `__wc_moments` AS (
  SELECT
    COUNT(*) AS `finite`,
    SUM(`w`) AS `sum`,
    MIN(`w`) AS `min`,
    MAX(`w`) AS `max`,
    COALESCE(SUM(CASE WHEN `w` = 0 THEN 1 ELSE 0 END), 0) AS `zeros`,
    COALESCE(SUM(CASE WHEN `w` < 0 THEN 1 ELSE 0 END), 0) AS `negatives`,
    COALESCE(SUM(CASE WHEN `w` > 0 THEN 1 ELSE 0 END), 0) AS `positives`,
    SUM(CASE WHEN `w` > 0 THEN `w` END) AS `positive_sum`,
    COALESCE(SUM(CASE WHEN `w` < 0 THEN `w` END), 0.0) AS `negative_sum`,
    MIN(CASE WHEN `w` > 0 THEN `w` END) AS `min_positive`,
    MAX(CASE WHEN `w` > 0 THEN `w` END) AS `max_positive`,
    PERCENTILE(CASE WHEN `w` > 0 THEN `w` END, 0.5) AS `median_positive`,
    PERCENTILE(`w`, 0.01) AS `p1`,
    PERCENTILE(`w`, 0.05) AS `p5`,
    PERCENTILE(`w`, 0.25) AS `p25`,
    PERCENTILE(`w`, 0.5) AS `p50`,
    PERCENTILE(`w`, 0.75) AS `p75`,
    PERCENTILE(`w`, 0.95) AS `p95`,
    PERCENTILE(`w`, 0.99) AS `p99`
  FROM `__wc_finite`
), `__wc_spread` AS (
  SELECT
    SQRT(AVG((
      `w` - `sum` / `finite`
    ) * (
      `w` - `sum` / `finite`
    ))) AS `std`,
    SUM(CASE WHEN `w` > 0 THEN `w` / `max_positive` END) AS `scaled_sum`,
    SUM(
      CASE WHEN `w` > 0 THEN (
        `w` / `max_positive`
      ) * (
        `w` / `max_positive`
      ) END
    ) AS `scaled_squares`
  FROM `__wc_finite`
  CROSS JOIN `__wc_moments`
), `__wc_top` AS (
  SELECT
    SUM(CASE WHEN `rank` <= CEIL(`positives` / 100.0) THEN `w` END) AS `top_sum`
  FROM (
    SELECT
      `w`,
      ROW_NUMBER() OVER (ORDER BY `w` DESC) AS `rank`
    FROM `__wc_finite`
    WHERE
      `w` > 0
  ) AS `__wc_ranked`
  CROSS JOIN `__wc_moments`
)
SELECT
  `rows`,
  `nulls`,
  `non_finite`,
  `non_finite` - `infinite` AS `nan`,
  `zeros`,
  `negatives`,
  `positives`,
  CASE WHEN `finite` > 0 THEN `sum` END AS `sum`,
  CASE WHEN `finite` > 0 THEN `sum` / `finite` END AS `mean`,
  `std`,
  `min`,
  `max`,
  `p1`,
  `p5`,
  `p25`,
  `p50`,
  `p75`,
  `p95`,
  `p99`,
  CASE
    WHEN `finite` > 0 AND `sum` <> 0
    THEN `std` / (
      CASE WHEN `finite` > 0 THEN `sum` / `finite` END
    )
  END AS `cv`,
  `positive_sum`,
  `negative_sum`,
  `scaled_sum` * `scaled_sum` / `scaled_squares` AS `ess`,
  CASE
    WHEN `rows` > 0
    THEN (
      `scaled_sum` * `scaled_sum` / `scaled_squares`
    ) / `rows`
  END AS `ess_ratio`,
  `max_positive` / `min_positive` AS `skew_ratio`,
  `top_sum` / `positive_sum` AS `top1_share`,
  `max_positive` / `median_positive` AS `max_median_ratio`,
  `positives` / (
    `scaled_sum` * `scaled_sum` / `scaled_squares`
  ) AS `design_effect`
FROM `__wc_counts`
CROSS JOIN `__wc_moments`
CROSS JOIN `__wc_spread`
CROSS JOIN `__wc_top`;
