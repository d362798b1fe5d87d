WITH "__wc_source" AS (
  SELECT
    *
  FROM "training"
), "__wc_fit" AS (
  SELECT
    COUNT("cls") AS "__wc_rows",
    COUNT(DISTINCT "cls") AS "__wc_classes",
    COUNT(*) AS "__wc_balance_rows",
    MAX(DATE_PART(EPOCH_MICROSECOND, "ts")) AS "__wc_reference_us",
    COUNT(*) AS "__wc_decay_rows"
  FROM "__wc_source"
), "__wc_clip" AS (
  SELECT
    PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY
      "__wc_w") AS "__wc_cap"
  FROM (
    SELECT
      COALESCE(
        (
          (
            CASE
              WHEN (
                "x" > 2
              )
              THEN CAST(4.0 AS DOUBLE)
              WHEN (
                "cls" = 'a'
              )
              THEN CAST((
                "x" * 3
              ) AS DOUBLE)
              ELSE CAST(1.0 AS DOUBLE)
            END * CASE
              WHEN "cls" IS NULL
              THEN 1.0
              ELSE POWER(
                CAST("__wc_rows" AS DOUBLE) / (
                  "__wc_classes" * COUNT(*) OVER (PARTITION BY "cls")
                ),
                0.5
              )
            END
          ) * POWER(
            0.5,
            (
              CAST(CAST(TRUNC((
                "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
              ) / 2592000000000) AS BIGINT) AS DOUBLE) + CAST((
                "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
              ) % 2592000000000 AS DOUBLE) / 2592000000000.0
            )
          )
        ),
        CAST(1.0 AS DOUBLE)
      ) AS "__wc_w"
    FROM "__wc_source"
    CROSS JOIN "__wc_fit"
  ) AS "__wc_values"
  WHERE
    "__wc_w" - "__wc_w" = 0
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
          CASE
            WHEN COALESCE(
              (
                (
                  CASE
                    WHEN (
                      "x" > 2
                    )
                    THEN CAST(4.0 AS DOUBLE)
                    WHEN (
                      "cls" = 'a'
                    )
                    THEN CAST((
                      "x" * 3
                    ) AS DOUBLE)
                    ELSE CAST(1.0 AS DOUBLE)
                  END * CASE
                    WHEN "cls" IS NULL
                    THEN 1.0
                    ELSE POWER(
                      CAST("__wc_rows" AS DOUBLE) / (
                        "__wc_classes" * COUNT(*) OVER (PARTITION BY "cls")
                      ),
                      0.5
                    )
                  END
                ) * POWER(
                  0.5,
                  (
                    CAST(CAST(TRUNC((
                      "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                    ) / 2592000000000) AS BIGINT) AS DOUBLE) + CAST((
                      "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                    ) % 2592000000000 AS DOUBLE) / 2592000000000.0
                  )
                )
              ),
              CAST(1.0 AS DOUBLE)
            ) - COALESCE(
              (
                (
                  CASE
                    WHEN (
                      "x" > 2
                    )
                    THEN CAST(4.0 AS DOUBLE)
                    WHEN (
                      "cls" = 'a'
                    )
                    THEN CAST((
                      "x" * 3
                    ) AS DOUBLE)
                    ELSE CAST(1.0 AS DOUBLE)
                  END * CASE
                    WHEN "cls" IS NULL
                    THEN 1.0
                    ELSE POWER(
                      CAST("__wc_rows" AS DOUBLE) / (
                        "__wc_classes" * COUNT(*) OVER (PARTITION BY "cls")
                      ),
                      0.5
                    )
                  END
                ) * POWER(
                  0.5,
                  (
                    CAST(CAST(TRUNC((
                      "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                    ) / 2592000000000) AS BIGINT) AS DOUBLE) + CAST((
                      "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                    ) % 2592000000000 AS DOUBLE) / 2592000000000.0
                  )
                )
              ),
              CAST(1.0 AS DOUBLE)
            ) = 0
            THEN CASE
              WHEN CASE
                WHEN COALESCE(
                  (
                    (
                      CASE
                        WHEN (
                          "x" > 2
                        )
                        THEN CAST(4.0 AS DOUBLE)
                        WHEN (
                          "cls" = 'a'
                        )
                        THEN CAST((
                          "x" * 3
                        ) AS DOUBLE)
                        ELSE CAST(1.0 AS DOUBLE)
                      END * CASE
                        WHEN "cls" IS NULL
                        THEN 1.0
                        ELSE POWER(
                          CAST("__wc_rows" AS DOUBLE) / (
                            "__wc_classes" * COUNT(*) OVER (PARTITION BY "cls")
                          ),
                          0.5
                        )
                      END
                    ) * POWER(
                      0.5,
                      (
                        CAST(CAST(TRUNC((
                          "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                        ) / 2592000000000) AS BIGINT) AS DOUBLE) + CAST((
                          "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                        ) % 2592000000000 AS DOUBLE) / 2592000000000.0
                      )
                    )
                  ),
                  CAST(1.0 AS DOUBLE)
                ) < CAST(0.1 AS DOUBLE)
                THEN CAST(0.1 AS DOUBLE)
                ELSE COALESCE(
                  (
                    (
                      CASE
                        WHEN (
                          "x" > 2
                        )
                        THEN CAST(4.0 AS DOUBLE)
                        WHEN (
                          "cls" = 'a'
                        )
                        THEN CAST((
                          "x" * 3
                        ) AS DOUBLE)
                        ELSE CAST(1.0 AS DOUBLE)
                      END * CASE
                        WHEN "cls" IS NULL
                        THEN 1.0
                        ELSE POWER(
                          CAST("__wc_rows" AS DOUBLE) / (
                            "__wc_classes" * COUNT(*) OVER (PARTITION BY "cls")
                          ),
                          0.5
                        )
                      END
                    ) * POWER(
                      0.5,
                      (
                        CAST(CAST(TRUNC((
                          "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                        ) / 2592000000000) AS BIGINT) AS DOUBLE) + CAST((
                          "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                        ) % 2592000000000 AS DOUBLE) / 2592000000000.0
                      )
                    )
                  ),
                  CAST(1.0 AS DOUBLE)
                )
              END > "__wc_cap"
              THEN "__wc_cap"
              ELSE CASE
                WHEN COALESCE(
                  (
                    (
                      CASE
                        WHEN (
                          "x" > 2
                        )
                        THEN CAST(4.0 AS DOUBLE)
                        WHEN (
                          "cls" = 'a'
                        )
                        THEN CAST((
                          "x" * 3
                        ) AS DOUBLE)
                        ELSE CAST(1.0 AS DOUBLE)
                      END * CASE
                        WHEN "cls" IS NULL
                        THEN 1.0
                        ELSE POWER(
                          CAST("__wc_rows" AS DOUBLE) / (
                            "__wc_classes" * COUNT(*) OVER (PARTITION BY "cls")
                          ),
                          0.5
                        )
                      END
                    ) * POWER(
                      0.5,
                      (
                        CAST(CAST(TRUNC((
                          "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                        ) / 2592000000000) AS BIGINT) AS DOUBLE) + CAST((
                          "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                        ) % 2592000000000 AS DOUBLE) / 2592000000000.0
                      )
                    )
                  ),
                  CAST(1.0 AS DOUBLE)
                ) < CAST(0.1 AS DOUBLE)
                THEN CAST(0.1 AS DOUBLE)
                ELSE COALESCE(
                  (
                    (
                      CASE
                        WHEN (
                          "x" > 2
                        )
                        THEN CAST(4.0 AS DOUBLE)
                        WHEN (
                          "cls" = 'a'
                        )
                        THEN CAST((
                          "x" * 3
                        ) AS DOUBLE)
                        ELSE CAST(1.0 AS DOUBLE)
                      END * CASE
                        WHEN "cls" IS NULL
                        THEN 1.0
                        ELSE POWER(
                          CAST("__wc_rows" AS DOUBLE) / (
                            "__wc_classes" * COUNT(*) OVER (PARTITION BY "cls")
                          ),
                          0.5
                        )
                      END
                    ) * POWER(
                      0.5,
                      (
                        CAST(CAST(TRUNC((
                          "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                        ) / 2592000000000) AS BIGINT) AS DOUBLE) + CAST((
                          "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                        ) % 2592000000000 AS DOUBLE) / 2592000000000.0
                      )
                    )
                  ),
                  CAST(1.0 AS DOUBLE)
                )
              END
            END
            ELSE COALESCE(
              (
                (
                  CASE
                    WHEN (
                      "x" > 2
                    )
                    THEN CAST(4.0 AS DOUBLE)
                    WHEN (
                      "cls" = 'a'
                    )
                    THEN CAST((
                      "x" * 3
                    ) AS DOUBLE)
                    ELSE CAST(1.0 AS DOUBLE)
                  END * CASE
                    WHEN "cls" IS NULL
                    THEN 1.0
                    ELSE POWER(
                      CAST("__wc_rows" AS DOUBLE) / (
                        "__wc_classes" * COUNT(*) OVER (PARTITION BY "cls")
                      ),
                      0.5
                    )
                  END
                ) * POWER(
                  0.5,
                  (
                    CAST(CAST(TRUNC((
                      "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                    ) / 2592000000000) AS BIGINT) AS DOUBLE) + CAST((
                      "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                    ) % 2592000000000 AS DOUBLE) / 2592000000000.0
                  )
                )
              ),
              CAST(1.0 AS DOUBLE)
            )
          END
        ) AS "__wc_w"
      FROM "__wc_source"
      CROSS JOIN "__wc_fit"
      CROSS JOIN "__wc_clip"
    ) AS "__wc_values"
    WHERE
      "__wc_w" - "__wc_w" = 0
  ) AS "__wc_sums"
), "__wc_weighted" AS (
  SELECT
    "__wc_t".*,
    (
      (
        CASE
          WHEN COALESCE(
            (
              (
                CASE
                  WHEN (
                    "x" > 2
                  )
                  THEN CAST(4.0 AS DOUBLE)
                  WHEN (
                    "cls" = 'a'
                  )
                  THEN CAST((
                    "x" * 3
                  ) AS DOUBLE)
                  ELSE CAST(1.0 AS DOUBLE)
                END * CASE
                  WHEN "cls" IS NULL
                  THEN 1.0
                  ELSE POWER(
                    CAST("__wc_rows" AS DOUBLE) / (
                      "__wc_classes" * COUNT(*) OVER (PARTITION BY "cls")
                    ),
                    0.5
                  )
                END
              ) * POWER(
                0.5,
                (
                  CAST(CAST(TRUNC((
                    "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                  ) / 2592000000000) AS BIGINT) AS DOUBLE) + CAST((
                    "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                  ) % 2592000000000 AS DOUBLE) / 2592000000000.0
                )
              )
            ),
            CAST(1.0 AS DOUBLE)
          ) - COALESCE(
            (
              (
                CASE
                  WHEN (
                    "x" > 2
                  )
                  THEN CAST(4.0 AS DOUBLE)
                  WHEN (
                    "cls" = 'a'
                  )
                  THEN CAST((
                    "x" * 3
                  ) AS DOUBLE)
                  ELSE CAST(1.0 AS DOUBLE)
                END * CASE
                  WHEN "cls" IS NULL
                  THEN 1.0
                  ELSE POWER(
                    CAST("__wc_rows" AS DOUBLE) / (
                      "__wc_classes" * COUNT(*) OVER (PARTITION BY "cls")
                    ),
                    0.5
                  )
                END
              ) * POWER(
                0.5,
                (
                  CAST(CAST(TRUNC((
                    "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                  ) / 2592000000000) AS BIGINT) AS DOUBLE) + CAST((
                    "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                  ) % 2592000000000 AS DOUBLE) / 2592000000000.0
                )
              )
            ),
            CAST(1.0 AS DOUBLE)
          ) = 0
          THEN CASE
            WHEN CASE
              WHEN COALESCE(
                (
                  (
                    CASE
                      WHEN (
                        "x" > 2
                      )
                      THEN CAST(4.0 AS DOUBLE)
                      WHEN (
                        "cls" = 'a'
                      )
                      THEN CAST((
                        "x" * 3
                      ) AS DOUBLE)
                      ELSE CAST(1.0 AS DOUBLE)
                    END * CASE
                      WHEN "cls" IS NULL
                      THEN 1.0
                      ELSE POWER(
                        CAST("__wc_rows" AS DOUBLE) / (
                          "__wc_classes" * COUNT(*) OVER (PARTITION BY "cls")
                        ),
                        0.5
                      )
                    END
                  ) * POWER(
                    0.5,
                    (
                      CAST(CAST(TRUNC((
                        "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                      ) / 2592000000000) AS BIGINT) AS DOUBLE) + CAST((
                        "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                      ) % 2592000000000 AS DOUBLE) / 2592000000000.0
                    )
                  )
                ),
                CAST(1.0 AS DOUBLE)
              ) < CAST(0.1 AS DOUBLE)
              THEN CAST(0.1 AS DOUBLE)
              ELSE COALESCE(
                (
                  (
                    CASE
                      WHEN (
                        "x" > 2
                      )
                      THEN CAST(4.0 AS DOUBLE)
                      WHEN (
                        "cls" = 'a'
                      )
                      THEN CAST((
                        "x" * 3
                      ) AS DOUBLE)
                      ELSE CAST(1.0 AS DOUBLE)
                    END * CASE
                      WHEN "cls" IS NULL
                      THEN 1.0
                      ELSE POWER(
                        CAST("__wc_rows" AS DOUBLE) / (
                          "__wc_classes" * COUNT(*) OVER (PARTITION BY "cls")
                        ),
                        0.5
                      )
                    END
                  ) * POWER(
                    0.5,
                    (
                      CAST(CAST(TRUNC((
                        "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                      ) / 2592000000000) AS BIGINT) AS DOUBLE) + CAST((
                        "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                      ) % 2592000000000 AS DOUBLE) / 2592000000000.0
                    )
                  )
                ),
                CAST(1.0 AS DOUBLE)
              )
            END > "__wc_cap"
            THEN "__wc_cap"
            ELSE CASE
              WHEN COALESCE(
                (
                  (
                    CASE
                      WHEN (
                        "x" > 2
                      )
                      THEN CAST(4.0 AS DOUBLE)
                      WHEN (
                        "cls" = 'a'
                      )
                      THEN CAST((
                        "x" * 3
                      ) AS DOUBLE)
                      ELSE CAST(1.0 AS DOUBLE)
                    END * CASE
                      WHEN "cls" IS NULL
                      THEN 1.0
                      ELSE POWER(
                        CAST("__wc_rows" AS DOUBLE) / (
                          "__wc_classes" * COUNT(*) OVER (PARTITION BY "cls")
                        ),
                        0.5
                      )
                    END
                  ) * POWER(
                    0.5,
                    (
                      CAST(CAST(TRUNC((
                        "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                      ) / 2592000000000) AS BIGINT) AS DOUBLE) + CAST((
                        "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                      ) % 2592000000000 AS DOUBLE) / 2592000000000.0
                    )
                  )
                ),
                CAST(1.0 AS DOUBLE)
              ) < CAST(0.1 AS DOUBLE)
              THEN CAST(0.1 AS DOUBLE)
              ELSE COALESCE(
                (
                  (
                    CASE
                      WHEN (
                        "x" > 2
                      )
                      THEN CAST(4.0 AS DOUBLE)
                      WHEN (
                        "cls" = 'a'
                      )
                      THEN CAST((
                        "x" * 3
                      ) AS DOUBLE)
                      ELSE CAST(1.0 AS DOUBLE)
                    END * CASE
                      WHEN "cls" IS NULL
                      THEN 1.0
                      ELSE POWER(
                        CAST("__wc_rows" AS DOUBLE) / (
                          "__wc_classes" * COUNT(*) OVER (PARTITION BY "cls")
                        ),
                        0.5
                      )
                    END
                  ) * POWER(
                    0.5,
                    (
                      CAST(CAST(TRUNC((
                        "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                      ) / 2592000000000) AS BIGINT) AS DOUBLE) + CAST((
                        "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                      ) % 2592000000000 AS DOUBLE) / 2592000000000.0
                    )
                  )
                ),
                CAST(1.0 AS DOUBLE)
              )
            END
          END
          ELSE COALESCE(
            (
              (
                CASE
                  WHEN (
                    "x" > 2
                  )
                  THEN CAST(4.0 AS DOUBLE)
                  WHEN (
                    "cls" = 'a'
                  )
                  THEN CAST((
                    "x" * 3
                  ) AS DOUBLE)
                  ELSE CAST(1.0 AS DOUBLE)
                END * CASE
                  WHEN "cls" IS NULL
                  THEN 1.0
                  ELSE POWER(
                    CAST("__wc_rows" AS DOUBLE) / (
                      "__wc_classes" * COUNT(*) OVER (PARTITION BY "cls")
                    ),
                    0.5
                  )
                END
              ) * POWER(
                0.5,
                (
                  CAST(CAST(TRUNC((
                    "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                  ) / 2592000000000) AS BIGINT) AS DOUBLE) + CAST((
                    "__wc_reference_us" - DATE_PART(EPOCH_MICROSECOND, "ts")
                  ) % 2592000000000 AS DOUBLE) / 2592000000000.0
                )
              )
            ),
            CAST(1.0 AS DOUBLE)
          )
        END
      ) * "__wc_scale"
    ) AS "weight"
  FROM "training" AS "__wc_t"
  CROSS JOIN "__wc_fit"
  CROSS JOIN "__wc_clip"
  CROSS JOIN "__wc_normalize"
  WHERE
    CASE
      WHEN "__wc_rows" = 0
      THEN (
        CAST('weightcli: balance.column \'cls\' has no class values to count (every value is null); choose another column or set balance.null: class. Rows: ' || CAST("__wc_balance_rows" AS VARCHAR) AS INT) = 0
      )
      ELSE TRUE
    END
    AND CASE
      WHEN "__wc_reference_us" IS NULL
      THEN (
        CAST('weightcli: decay.column \'ts\' has only null values, so it has no max to use as the reference; set decay.reference to an ISO timestamp. Rows: ' || CAST("__wc_decay_rows" AS VARCHAR) AS INT) = 0
      )
      ELSE TRUE
    END
    AND CASE
      WHEN CAST(0.1 AS DOUBLE) > "__wc_cap"
      THEN (
        CAST('weightcli: clip.min 0.1 is above the upper bound from the weights; lower clip.min or raise the upper bound. Upper bound: ' || CAST("__wc_cap" AS VARCHAR) AS INT) = 0
      )
      ELSE TRUE
    END
)
SELECT
  *
FROM "__wc_weighted";
