using System.Globalization;

namespace LmsCloud.Core.Learning.Grades;

/// <summary>
/// The one grade engine (issue 13 item 3): a pure function of a <see cref="GradeDescription"/>, in decimal, following
/// LEARNING-CORE §4 rule by rule; docs/grade-engine.md is its reference. It is computed twice: the student's view
/// (unposted work treated as no submission) and the teacher's (everything), which gives <c>Unposted*</c>.
/// </summary>
public static class GradeEngine
{
    public static GradeResult Compute(GradeDescription description)
    {
        GradeDescriptionRules.Validate(description);
        var student = Evaluate(description, includeUnposted: false);
        // With everything posted the two views are the same computation: do it once (most students, most of the year).
        var teacher = description.Assignments.All(a => a.Posted) ? student : Evaluate(description, includeUnposted: true);
        var final = Round(student.Final);
        var effective = description.FinalOverride is { } o ? Round(o) : final;
        return new(
            Round(student.Current), final, Letter(description, Round(student.Current)), Letter(description, final),
            Round(teacher.Current), Round(teacher.Final), Letter(description, Round(teacher.Current)), Letter(description, Round(teacher.Final)),
            Round(description.FinalOverride), effective, Letter(description, effective),
            student.Groups, teacher.Groups, student.Explanation, teacher.Explanation);
    }

    /// <summary>Half-up (away from zero) to 2 places, always written with 2 places (60 → 60.00).</summary>
    public static decimal Round(decimal value) => Math.Round(value, 2, MidpointRounding.AwayFromZero) + 0.00m;

    static decimal? Round(decimal? value) => value is { } v ? Round(v) : null;

    /// <summary>Rule 9: the highest scheme entry whose minimum is at most the rounded percent (the lowest entry below all).</summary>
    static string? Letter(GradeDescription d, decimal? rounded) =>
        rounded is not { } p || d.Scheme.Count == 0 ? null
        : d.Scheme.OrderByDescending(e => e.MinPercent).FirstOrDefault(e => e.MinPercent <= p)?.Letter
          ?? d.Scheme.MinBy(e => e.MinPercent)!.Letter;

    sealed record View(decimal? Current, decimal? Final, IReadOnlyList<GroupResult> Groups, GradeExplanation Explanation);

    /// <summary>One assignment after rules 1–6: what it contributes to current (null: ignored) and to final.</summary>
    sealed class Item(GradeAssignment assignment)
    {
        public GradeAssignment Assignment { get; } = assignment;
        public string Outcome = "counted";
        public bool Counts = true;         // false: excused, omitted, not graded — out of both numerator and denominator
        public decimal? CurrentScore;      // null: ungraded (ignored in current)
        public decimal FinalScore => CurrentScore ?? 0; // rule 6: ungraded counts as 0 in final
        public decimal? Entered;
        public string? Status;
        public LateDeduction? Late;
        public MissingDeduction? Missing;
        public List<string> Notes = [];
        public bool DroppedCurrent, DroppedFinal;
    }

    static View Evaluate(GradeDescription d, bool includeUnposted)
    {
        var submissions = d.Submissions.ToDictionary(s => s.Assignment, StringComparer.Ordinal);
        var items = d.Assignments.Select(a => Assess(d, a, submissions.GetValueOrDefault(a.Id), includeUnposted)).ToList();

        var groups = new List<(GradeGroup Group, decimal CurScore, decimal CurPossible, decimal FinScore, decimal FinPossible, List<string> CurDropped, List<string> FinDropped)>();
        foreach (var group in d.Groups)
        {
            var counted = items.Where(i => i.Counts && i.Assignment.Group == group.Id).ToList();
            var neverDrop = group.NeverDrop.ToHashSet(StringComparer.Ordinal);
            var current = Drop(counted.Where(i => i.CurrentScore != null).ToList(), i => i.CurrentScore!.Value, group, neverDrop, (i, why) => { i.DroppedCurrent = true; i.Notes.Add($"dropped from the current grade: {why}"); });
            var final = Drop(counted, i => i.FinalScore, group, neverDrop, (i, why) => { i.DroppedFinal = true; i.Notes.Add($"dropped from the final grade: {why}"); });
            groups.Add((group, current.Score, current.Possible, final.Score, final.Possible, current.Dropped, final.Dropped));
        }
        foreach (var item in items.Where(i => i.Counts && i.CurrentScore != null && i.DroppedCurrent)) item.Outcome = "dropped";

        var weights = new List<string>();
        decimal? courseCurrent, courseFinal;
        Dictionary<string, decimal> currentWeights = [], finalWeights = [];
        if (d.Weighting == Weighting.Points)
        {
            courseCurrent = Ratio(groups.Sum(g => g.CurScore), groups.Sum(g => g.CurPossible));
            courseFinal = Ratio(groups.Sum(g => g.FinScore), groups.Sum(g => g.FinPossible));
            weights.Add("points weighting: the course is the sum of kept scores over the sum of kept points possible; group weights are not used");
        }
        else
        {
            courseCurrent = Weighted("current", groups.Select(g => (g.Group, g.CurScore, g.CurPossible)), currentWeights, weights);
            courseFinal = Weighted("final", groups.Select(g => (g.Group, g.FinScore, g.FinPossible)), finalWeights, weights);
        }

        var groupResults = groups.Select(g => new GroupResult(
            g.Group.Id, g.Group.Name, Round(g.Group.Weight),
            Round(Ratio(g.CurScore, g.CurPossible)), Round(Ratio(g.FinScore, g.FinPossible)), g.CurDropped, g.FinDropped,
            Round(g.CurScore), Round(g.CurPossible), Round(g.FinScore), Round(g.FinPossible),
            currentWeights.TryGetValue(g.Group.Id, out var cw) ? Round(cw) : null,
            finalWeights.TryGetValue(g.Group.Id, out var fw) ? Round(fw) : null)).ToList();

        var explanation = new GradeExplanation(items.Select(i => new AssignmentExplanation(
            i.Assignment.Id, i.Assignment.Group, Round(i.Assignment.PointsPossible), i.Outcome,
            Round(i.Entered), i.Counts ? Round(i.CurrentScore) : null,
            i.Counts && i.CurrentScore != null && !i.DroppedCurrent, i.Counts && !i.DroppedFinal,
            i.DroppedCurrent, i.DroppedFinal, i.Status, i.Late, i.Missing, i.Notes)).ToList(), weights);
        return new View(courseCurrent, courseFinal, groupResults, explanation);
    }

    /// <summary>Rules 1–6 for one assignment.</summary>
    static Item Assess(GradeDescription d, GradeAssignment a, GradeSubmission? s, bool includeUnposted)
    {
        var item = new Item(a);
        if (a.OmitFromFinal)
        {
            (item.Outcome, item.Counts) = ("omitted", false);
            item.Notes.Add("omitted from the final grade: it never counts");
            return item;
        }
        if (a.GradingType == GradingType.NotGraded)
        {
            (item.Outcome, item.Counts) = ("notGraded", false);
            item.Notes.Add("a not-graded assignment: it never counts");
            return item;
        }
        if (!a.Posted && !includeUnposted)
        {
            // Rule 2: the student sees no submission at all, so no score, no status and no missing deduction either.
            item.Outcome = "unposted";
            item.Notes.Add("not posted yet: hidden from the student, ignored in the current grade and counted as 0 in the final grade");
            return item;
        }
        if (s?.Excused == true)
        {
            (item.Outcome, item.Counts) = ("excused", false);
            item.Notes.Add("excused: removed from both the score and the points possible, never dropped or missing");
            return item;
        }

        var entered = s?.Score ?? KeptAttempt(a.Keep, s?.Attempts, item.Notes);
        item.Entered = entered;
        var submitted = s?.SubmittedAt != null;
        var pastDue = a.DueAt is { } due && due < d.Now;
        var missing = s?.Status switch
        {
            SubmissionStatus.Missing => true,
            SubmissionStatus.None or SubmissionStatus.Late => false,
            _ => pastDue && !submitted && entered == null && a.ExpectsSubmission,
        };
        long secondsLate = 0;
        var late = false;
        if (!missing && submitted && s!.Status != SubmissionStatus.None)
        {
            var measured = a.DueAt is { } dueAt ? (long)Math.Ceiling((s.SubmittedAt!.Value - dueAt).TotalSeconds) : 0;
            secondsLate = Math.Max(s.SecondsLate ?? measured, 0);
            late = s.Status == SubmissionStatus.Late || secondsLate > 0;
        }
        else if (s?.Status == SubmissionStatus.Late)
        {
            late = true;
            secondsLate = Math.Max(s.SecondsLate ?? 0, 0);
        }
        if (s?.Status == SubmissionStatus.None) item.Notes.Add("status set to none by the teacher: neither late nor missing");
        item.Status = missing ? "missing" : late ? "late" : null;

        if (missing)
        {
            if (entered == null && d.MissingPolicy is { } mp)
            {
                var percent = Math.Min(Math.Max(mp.DeductionPercent, 0), 100 - Math.Max(mp.FloorPercent, 0));
                percent = Math.Max(percent, 0);
                var points = Round(a.PointsPossible * percent / 100);
                item.CurrentScore = a.PointsPossible - points;
                item.Missing = new MissingDeduction(Round(percent), points);
                item.Notes.Add(mp.FloorPercent > 0 && percent < mp.DeductionPercent
                    ? $"missing: the missing policy deducts {Num(mp.DeductionPercent)}%, held at the {Num(mp.FloorPercent)}% floor: −{Num(percent)}% = −{Num(points)} points, score {Num(item.CurrentScore.Value)}"
                    : $"missing: the missing policy deducts {Num(percent)}% = −{Num(points)} points, score {Num(item.CurrentScore.Value)}; it counts in current and final");
                return item;
            }
            item.Notes.Add(entered == null ? "missing: no missing policy, so it is ungraded (ignored in current, 0 in final)" : "marked missing, but it has a score: the score counts");
        }

        if (entered is not { } raw)
        {
            item.Outcome = "ungraded";
            item.Notes.Add("not graded yet: ignored in the current grade, counted as 0 in the final grade");
            return item;
        }
        item.CurrentScore = raw;
        if (late && d.LatePolicy is { } lp && a.GradingType == GradingType.Points && a.PointsPossible > 0)
        {
            var intervalSeconds = IntervalSeconds(lp.Interval);
            var intervals = (secondsLate + intervalSeconds - 1) / intervalSeconds; // ⌈seconds late / interval⌉
            var rawPercent = raw / a.PointsPossible * 100;
            var percent = Math.Min(lp.DeductionPercent * intervals, Math.Max(rawPercent - lp.FloorPercent, 0));
            var points = Round(a.PointsPossible * percent / 100);
            item.CurrentScore = raw - points;
            item.Late = new LateDeduction(secondsLate, intervals, lp.Interval, Round(percent), points);
            item.Notes.Add(percent < lp.DeductionPercent * intervals
                ? $"late by {intervals} {Plural(lp.Interval, intervals)}: {Num(lp.DeductionPercent)}% each would be {Num(lp.DeductionPercent * intervals)}%, held at the {Num(lp.FloorPercent)}% floor: −{Num(percent)}% = −{Num(points)} points ({Num(raw)} → {Num(item.CurrentScore.Value)})"
                : $"late by {intervals} {Plural(lp.Interval, intervals)}: −{Num(percent)}% = −{Num(points)} points ({Num(raw)} → {Num(item.CurrentScore.Value)})");
        }
        else if (late)
            item.Notes.Add(d.LatePolicy == null ? "late: no late policy, no deduction"
                : secondsLate == 0 ? "marked late with no lateness recorded: no deduction"
                : "late: the late policy applies to points-graded assignments only, no deduction");
        return item;
    }

    /// <summary>The score the keep rule gives over attempts in the order taken (unrounded); null when there are none.</summary>
    public static decimal? Kept(KeepAttempt keep, IReadOnlyList<decimal> attempts) => attempts.Count == 0 ? null : keep switch
    {
        KeepAttempt.Highest => attempts.Max(),
        KeepAttempt.Latest => attempts[^1],
        KeepAttempt.First => attempts[0],
        _ => attempts.Sum() / attempts.Count,
    };

    static decimal? KeptAttempt(KeepAttempt keep, IReadOnlyList<decimal>? attempts, List<string> notes)
    {
        if (attempts is not { Count: > 0 }) return null;
        var kept = Kept(keep, attempts)!.Value;
        notes.Add($"attempts {string.Join(", ", attempts.Select(Num))}: keeps the {keep.ToString().ToLowerInvariant()} = {Num(kept)}");
        return kept;
    }

    /// <summary>Rule 7 on one group's items; marks what was dropped, and returns the kept sums.</summary>
    static (decimal Score, decimal Possible, List<string> Dropped) Drop(
        List<Item> items, Func<Item, decimal> score, GradeGroup group, IReadOnlySet<string> neverDrop, Action<Item, string> markDropped)
    {
        var candidates = items.Select(i => new DropCandidate(i.Assignment.Id, score(i), i.Assignment.PointsPossible)).ToList();
        var selection = DropSelection.Apply(candidates, neverDrop, group.DropLowest, group.DropHighest);
        var keptScore = selection.Kept.Sum(k => k.Score);
        var keptPossible = selection.Kept.Sum(k => k.Possible);
        var byId = items.ToDictionary(i => i.Assignment.Id, StringComparer.Ordinal);
        var set = $"keeping {string.Join(", ", selection.Kept.Select(k => k.Id))} = {Num(keptScore)}/{Num(keptPossible)}"
                  + (keptPossible > 0 ? $" = {Num(Round(keptScore / keptPossible * 100))}%" : "");
        foreach (var id in selection.DroppedLowest)
            markDropped(byId[id], $"drop lowest {group.DropLowest}: dropping it keeps the set with the highest group score ({set})");
        foreach (var id in selection.DroppedHighest)
            markDropped(byId[id], $"drop highest {group.DropHighest}: dropping it keeps the set with the lowest group score ({set})");
        var dropped = selection.DroppedHighest.Concat(selection.DroppedLowest).ToHashSet(StringComparer.Ordinal);
        return (keptScore, keptPossible, items.Select(i => i.Assignment.Id).Where(dropped.Contains).ToList());
    }

    /// <summary>Rule 8: Σ w·group / Σ w over groups with points possible, rescaled when the weights there sum below 100.</summary>
    static decimal? Weighted(string view, IEnumerable<(GradeGroup Group, decimal Score, decimal Possible)> groups,
        Dictionary<string, decimal> applied, List<string> notes)
    {
        var list = groups.ToList();
        var withWork = list.Where(g => g.Possible > 0).ToList();
        foreach (var empty in list.Where(g => g.Possible <= 0))
            notes.Add($"{view}: {empty.Group.Name} has no points possible counted, so it is left out");
        var total = withWork.Sum(g => g.Group.Weight);
        if (withWork.Count == 0 || total == 0)
        {
            notes.Add($"{view}: no group with work has any weight, so there is no {view} grade");
            return null;
        }
        // Canvas: weights below 100 are rescaled to 100; weights above 100 are not (they can take a grade over 100).
        var divisor = total < 100 ? total : 100;
        foreach (var g in withWork) applied[g.Group.Id] = g.Group.Weight * 100 / divisor;
        if (total != 100)
            notes.Add(total < 100
                ? $"{view}: the weights of the groups with work sum to {Num(total)}, rescaled to 100: {string.Join(", ", withWork.Select(g => $"{g.Group.Name} {Num(Round(applied[g.Group.Id]))}%"))}"
                : $"{view}: the weights sum to {Num(total)}, more than 100: not rescaled, so the grade can exceed 100");
        return withWork.Sum(g => g.Group.Weight * (g.Score / g.Possible * 100)) / divisor;
    }

    static decimal? Ratio(decimal score, decimal possible) => possible > 0 ? score / possible * 100 : null;

    static long IntervalSeconds(LateInterval interval) => interval switch
    {
        LateInterval.Minute => 60,
        LateInterval.Hour => 3600,
        LateInterval.Day => 86400,
        _ => 604800,
    };

    static string Plural(LateInterval interval, long count) => interval.ToString().ToLowerInvariant() + (count == 1 ? "" : "s");

    static string Num(decimal value) => (value == Math.Round(value, 2) ? value.ToString("0.##", CultureInfo.InvariantCulture) : Round(value).ToString(CultureInfo.InvariantCulture));
}
