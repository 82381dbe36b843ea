namespace LmsCloud.Core.Learning.Grades;

/// <summary>One gradeable item of a group as the drop rules see it.</summary>
public readonly record struct DropCandidate(string Id, decimal Score, decimal Possible);

/// <summary>
/// Drop lowest / drop highest exactly (LEARNING-CORE §4 rule 7). Dropping the items with the lowest percentage is
/// wrong when points differ (the worked example's HW4/HW5), and trying every subset is exponential, so this is
/// Dinkelbach's method for the fractional subset problem (the exact form of the Kane &amp; Mitchell binary search that
/// Canvas's <c>drop_assignments</c> uses in floating point): for a candidate ratio q = A/B, rank items by
/// score·B − A·possible (exact in decimal, no division), keep the best, and move q to the kept set's ratio until it
/// no longer changes. Each round is a sort; q rises strictly, so it ends, in a handful of rounds in practice.
/// </summary>
/// <remarks>
/// Tie rule: among sets with the same best ratio, the kept set is the one whose ids, sorted ordinally, come first
/// (equivalently: of equally good items the later id is dropped). Never-drop items and items with 0 points possible
/// (pure extra credit) are always kept and count in every ratio. Counts are fudged as Canvas does: with n droppable
/// items, drop lowest is at most n − 1 (one is always kept), and drop highest is ignored when lowest + highest ≥ n.
/// Drop highest is applied first (keep the n − h with the lowest ratio), then drop lowest on what is left (keep the
/// n − h − k with the highest ratio), so the last, student-facing step maximises as rule 7 says; Canvas does them the
/// other way round, which gives a higher score a lower group grade in canvas-lms#2299's case.
/// </remarks>
public static class DropSelection
{
    const int MaxRounds = 1000; // Dinkelbach needs a handful; this only guards against rounding in 28-digit averages

    /// <summary>What was kept (fixed items included) and what each rule dropped, both in input order.</summary>
    public sealed record Selection(IReadOnlyList<DropCandidate> Kept, IReadOnlyList<string> DroppedLowest, IReadOnlyList<string> DroppedHighest);

    public static Selection Apply(IReadOnlyList<DropCandidate> items, IReadOnlySet<string> neverDrop, int dropLowest, int dropHighest)
    {
        var fixedItems = items.Where(i => neverDrop.Contains(i.Id) || i.Possible == 0).ToList();
        var droppable = items.Where(i => !neverDrop.Contains(i.Id) && i.Possible != 0).ToList();
        var n = droppable.Count;
        if (n == 0 || dropLowest <= 0 && dropHighest <= 0) return new(items, [], []);
        var low = Math.Min(Math.Max(dropLowest, 0), n - 1);
        var high = Math.Max(dropHighest, 0);
        if (low + high >= n) high = 0;

        var fixedScore = fixedItems.Sum(i => i.Score);
        var fixedPossible = fixedItems.Sum(i => i.Possible);
        var afterHigh = high > 0 ? Keep(droppable, fixedScore, fixedPossible, n - high, maximise: false) : droppable;
        var afterLow = low > 0 ? Keep(afterHigh, fixedScore, fixedPossible, n - high - low, maximise: true) : afterHigh;

        var keptIds = afterLow.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var highIds = afterHigh.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var droppableIds = droppable.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        return new(
            items.Where(i => !droppableIds.Contains(i.Id) || keptIds.Contains(i.Id)).ToList(),
            droppable.Where(i => highIds.Contains(i.Id) && !keptIds.Contains(i.Id)).Select(i => i.Id).ToList(),
            droppable.Where(i => !highIds.Contains(i.Id)).Select(i => i.Id).ToList());
    }

    /// <summary>The <paramref name="keep"/> items whose ratio (with the fixed items) is highest (or lowest), by the tie rule.</summary>
    static List<DropCandidate> Keep(List<DropCandidate> items, decimal fixedScore, decimal fixedPossible, int keep, bool maximise)
    {
        if (items.Count <= keep) return items;
        // q = a / b, starting from all items; b > 0 because every droppable item has points possible.
        var a = items.Sum(i => i.Score) + fixedScore;
        var b = items.Sum(i => i.Possible) + fixedPossible;
        List<DropCandidate> kept = [];
        for (var round = 0; round < MaxRounds; round++)
        {
            var qa = a;
            var qb = b;
            var ranked = maximise
                ? items.OrderByDescending(i => i.Score * qb - qa * i.Possible)
                : items.OrderBy(i => i.Score * qb - qa * i.Possible);
            kept = ranked.ThenBy(i => i.Id, StringComparer.Ordinal).Take(keep).ToList();
            var na = kept.Sum(i => i.Score) + fixedScore;
            var nb = kept.Sum(i => i.Possible) + fixedPossible;
            if (na * qb == qa * nb) break; // the kept set's ratio is q: q is optimal and this set is the tie rule's choice
            (a, b) = (na, nb);
        }
        return kept;
    }
}
