# The one percentile definition every bench figure uses.


def nearest_rank(sorted_values, pct):
    """The nearest-rank percentile of an ascending list, or None for an empty one."""
    if not sorted_values:
        return None
    return sorted_values[max(0, -(-len(sorted_values) * pct // 100) - 1)]
