WITH "__wc_source" AS (
  SELECT
    *
  FROM "flights"
), "__wc_normalize" AS (
  SELECT
    CASE
      WHEN "__wc_total" IS NULL
      OR "__wc_total" = 0
      OR NOT (
        "__wc_total" - "__wc_total" = 0
      )
      THEN 1.0
      ELSE CAST("__wc_count" AS DOUBLE) / "__wc_total"
    END AS "__wc_scale"
  FROM (
    SELECT
      SUM("__wc_w") AS "__wc_total",
      COUNT("__wc_w") AS "__wc_count"
    FROM (
      SELECT
        (
          CAST(1.0 AS DOUBLE) * CASE WHEN (
            "distance" >= 1500
          ) THEN CAST(2.0 AS DOUBLE) ELSE 1.0 END * CASE
            WHEN (
              "carrier" IN ('OO', 'HA', 'YV', 'F9', 'AS')
            )
            THEN CAST(3.0 AS DOUBLE)
            ELSE 1.0
          END * CASE WHEN (
            "month" >= 10
          ) THEN CAST(1.5 AS DOUBLE) ELSE 1.0 END
        ) AS "__wc_w"
      FROM "__wc_source"
    ) AS "__wc_values"
    WHERE
      "__wc_w" - "__wc_w" = 0
  ) AS "__wc_sums"
), "__wc_weighted" AS (
  SELECT
    "__wc_t".*,
    (
      (
        CAST(1.0 AS DOUBLE) * CASE WHEN (
          "distance" >= 1500
        ) THEN CAST(2.0 AS DOUBLE) ELSE 1.0 END * CASE
          WHEN (
            "carrier" IN ('OO', 'HA', 'YV', 'F9', 'AS')
          )
          THEN CAST(3.0 AS DOUBLE)
          ELSE 1.0
        END * CASE WHEN (
          "month" >= 10
        ) THEN CAST(1.5 AS DOUBLE) ELSE 1.0 END
      ) * "__wc_scale"
    ) AS "weight"
  FROM "flights" AS "__wc_t"
  CROSS JOIN "__wc_normalize"
)
SELECT
  *
FROM "__wc_weighted";
