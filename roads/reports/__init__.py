"""The reports that write themselves: 日报, 周报 and 旬报 (daily, weekly, ten-day)."""
