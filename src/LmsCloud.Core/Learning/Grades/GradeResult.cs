namespace LmsCloud.Core.Learning.Grades;

// What the engine returns. Every number here is already rounded half-up to 2 places (the output step of §4 rule 9);
// the engine itself works unrounded.

/// <summary>
/// Current/final are the student's view (posted work only); <c>Unposted*</c> are the teacher's view, which includes
/// unposted work. <c>EffectiveFinal</c> is the per-student override when there is one, else <c>Final</c>.
/// </summary>
public sealed record GradeResult(
    decimal? Current, decimal? Final, string? CurrentLetter, string? FinalLetter,
    decimal? UnpostedCurrent, decimal? UnpostedFinal, string? UnpostedCurrentLetter, string? UnpostedFinalLetter,
    decimal? FinalOverride, decimal? EffectiveFinal, string? EffectiveFinalLetter,
    IReadOnlyList<GroupResult> Groups, IReadOnlyList<GroupResult> UnpostedGroups,
    GradeExplanation Explanation, GradeExplanation UnpostedExplanation);

/// <summary>
/// One group in one view. <c>Dropped</c> are the items dropped for the current grade, <c>FinalDropped</c> for the
/// final grade (ungraded items count as 0 there, so the drop can differ). <c>CurrentWeight</c>/<c>FinalWeight</c> are
/// the weights actually applied in percent after rescaling (null: left out, or a points-weighted course).
/// </summary>
public sealed record GroupResult(
    string Id, string Name, decimal Weight, decimal? Current, decimal? Final,
    IReadOnlyList<string> Dropped, IReadOnlyList<string> FinalDropped,
    decimal CurrentScore, decimal CurrentPossible, decimal FinalScore, decimal FinalPossible,
    decimal? CurrentWeight, decimal? FinalWeight);

/// <param name="Assignments">Every assignment, in the order given, with what happened to it.</param>
/// <param name="Weights">How the course total was formed (rescaled weights, groups left out), one sentence each.</param>
public sealed record GradeExplanation(IReadOnlyList<AssignmentExplanation> Assignments, IReadOnlyList<string> Weights);

/// <summary>
/// <c>Outcome</c>: counted, dropped, excused, ungraded (ignored in current, 0 in final), unposted (hidden from the
/// student: as ungraded), omitted (omit from final), notGraded (a not-graded assignment). <c>Score</c> is what counts
/// after late/missing deductions; <c>EnteredScore</c> what the teacher (or the kept attempt) gave.
/// </summary>
public sealed record AssignmentExplanation(
    string Assignment, string Group, decimal PointsPossible, string Outcome,
    decimal? EnteredScore, decimal? Score, bool CountsInCurrent, bool CountsInFinal,
    bool DroppedFromCurrent, bool DroppedFromFinal, string? Status,
    LateDeduction? Late, MissingDeduction? Missing, IReadOnlyList<string> Notes);

public sealed record LateDeduction(long SecondsLate, long Intervals, LateInterval Interval, decimal Percent, decimal Points);

public sealed record MissingDeduction(decimal Percent, decimal Points);
