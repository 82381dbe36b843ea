using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LmsCloud.Core.Learning.Grades;

/// <summary>
/// Builds the engine's <see cref="GradeDescription"/> for students of one or many shells from the database, set-based: one
/// statement per kind of row (students, policies, groups, never-drops, assignments, effective due dates, submissions,
/// overrides), all sent as one batch, whatever the number of students or shells (<see cref="LoadAsync"/>). Published assignments only: a draft
/// counts for nobody. A student's due date is their effective one (override, section, assignment). The shell's grading
/// policy (shell_grading_policies), its scheme (the shell's, else the district default, else the built-in ladder) and
/// each student's final override (final_grade_overrides) complete the description.
/// Runs as the caller: RLS keeps it to the current district. Access checks are the caller's.
/// </summary>
public sealed class GradeInputs(LmsDbContext db)
{
    /// <summary>The shell's students (the shell_students view: its classes' active students and its catalog learners), optionally narrowed.</summary>
    public Task<List<Guid>> StudentsAsync(Guid shellId, IReadOnlyCollection<Guid>? only, CancellationToken ct)
    {
        var ids = only?.ToArray();
        return db.Database.SqlQuery<Guid>($"""
            select distinct student_id as "Value" from shell_students
            where shell_id = {shellId} and ({ids}::uuid[] is null or student_id = any ({ids}::uuid[]))
            order by 1
            """).ToListAsync(ct);
    }

    /// <summary>The descriptions of the shell's students (all of them, or those of <paramref name="students"/> enrolled), saved rules.</summary>
    public async Task<IReadOnlyDictionary<Guid, GradeDescription>> ForStudentsAsync(Guid shellId, IReadOnlyCollection<Guid>? students,
        DateTimeOffset now, CancellationToken ct) =>
        (await LoadAsync([shellId], students, now, null, ct)).GetValueOrDefault(shellId) ?? [];

    /// <summary>As the other overload, with the given rules instead of the saved ones (a policy preview).</summary>
    public async Task<IReadOnlyDictionary<Guid, GradeDescription>> ForStudentsAsync(Guid shellId, IReadOnlyCollection<Guid>? students,
        DateTimeOffset now, GradingRules rules, CancellationToken ct) =>
        (await LoadAsync([shellId], students, now, rules, ct)).GetValueOrDefault(shellId) ?? [];

    /// <summary>
    /// The descriptions of every enrolled student (or of those in <paramref name="students"/> who are enrolled) of the given
    /// shells, by shell then student, in one round trip: nine statements in one batch, each over all the shells at once,
    /// each with the district in its predicate as well as under RLS (tenant-first indexes, and a twin without RLS reads
    /// the same rows). <paramref name="rules"/> replaces every shell's saved rules (a preview); null uses the saved ones.
    /// </summary>
    public async Task<Dictionary<Guid, Dictionary<Guid, GradeDescription>>> LoadAsync(IReadOnlyCollection<Guid> shellIds,
        IReadOnlyCollection<Guid>? students, DateTimeOffset now, GradingRules? rules, CancellationToken ct)
    {
        var tenant = db.TenantId ?? throw new InvalidOperationException("No district for this request.");
        var shells = shellIds.Distinct().ToArray();
        var only = students?.Distinct().ToArray();
        string Of(string column) => only == null ? "" : $" and {column} = any ($3)";
        await db.Database.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection());
        // One shell (a grade change's recompute, on the latency path): its statements are prepared, but with array
        // parameters PostgreSQL would plan each anew on every call (a custom plan looks cheaper than the generic one),
        // most of the batch's time. The generic plans are the tenant-first index scans these statements are written
        // for, whatever the values; transaction-local, set back to the default after the batch. Many shells: planned per call.
        var generic = shells.Length == 1;
        if (generic) batch.BatchCommands.Add(new NpgsqlBatchCommand("select set_config('plan_cache_mode', 'force_generic_plan', true)"));
        foreach (var sql in new[]
        {
            $"""
            select distinct shell_id, student_id from shell_students where tenant_id = $1 and shell_id = any ($2){Of("student_id")}
            """,
            """
            select p.shell_id, p.weighting, p.late_deduction_percent, p.late_interval, p.late_floor_percent, p.missing_deduction_percent,
                   p.missing_floor_percent, s.entries::text
            from shell_grading_policies p left join grading_schemes s on s.tenant_id = p.tenant_id and s.id = p.scheme_id
            where p.tenant_id = $1 and p.shell_id = any ($2)
            """,
            "select entries::text from grading_schemes where tenant_id = $1 and is_default",
            """
            select shell_id, id, name, weight, drop_lowest, drop_highest from assignment_groups
            where tenant_id = $1 and shell_id = any ($2) order by shell_id, position
            """,
            """
            select n.group_id, n.assignment_id from group_never_drop n
            join assignment_groups g on g.tenant_id = n.tenant_id and g.id = n.group_id
            where n.tenant_id = $1 and g.tenant_id = $1 and g.shell_id = any ($2)
            """,
            """
            select shell_id, id, group_id, points_possible, due_at, omit_from_final, (not post_manually or grades_posted_at is not null), grading_type
            from assignments where tenant_id = $1 and shell_id = any ($2) and published
            order by shell_id, due_at nulls last, id
            """,
            $"""
            select d.assignment_id, d.student_id, d.due_at from effective_due_dates d
            join assignments a on a.tenant_id = d.tenant_id and a.id = d.assignment_id
            where d.tenant_id = $1 and a.tenant_id = $1 and a.shell_id = any ($2) and a.published and d.source <> 'assignment'{Of("d.student_id")}
            """,
            $"""
            select shell_id, assignment_id, student_id, score, submitted_at, excused, status_override from submissions
            where tenant_id = $1 and shell_id = any ($2){Of("student_id")}
            """,
            $"""
            select shell_id, student_id, percent from final_grade_overrides where tenant_id = $1 and shell_id = any ($2){Of("student_id")}
            """,
        })
        {
            var command = new NpgsqlBatchCommand(sql) { Parameters = { new() { Value = tenant }, new() { Value = shells } } };
            if (only != null) command.Parameters.Add(new() { Value = only });
            batch.BatchCommands.Add(command);
        }
        if (generic) batch.BatchCommands.Add(new NpgsqlBatchCommand("select set_config('plan_cache_mode', 'auto', true)"));

        var enrolled = new List<(Guid Shell, Guid Student)>();
        var policies = new Dictionary<Guid, (string Weighting, decimal? LateDeduction, string? LateInterval, decimal? LateFloor,
            decimal? MissingDeduction, decimal? MissingFloor, string? Scheme)>();
        string? defaultScheme = null;
        var groups = new List<(Guid Shell, Guid Id, string Name, decimal Weight, int DropLowest, int DropHighest)>();
        var neverDrop = new List<(Guid Group, Guid Assignment)>();
        var assignments = new List<(Guid Shell, AssignmentRow Row)>();
        var due = new Dictionary<(Guid Assignment, Guid Student), DateTimeOffset?>();
        var submissions = new List<(Guid Shell, Guid Student, GradeSubmission Submission)>();
        var overrides = new Dictionary<(Guid Shell, Guid Student), decimal>();
        static decimal? Dec(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDecimal(i);
        static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
        static DateTimeOffset? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
        await using (var r = await batch.ExecuteReaderAsync(ct))
        {
            if (generic) await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct)) enrolled.Add((r.GetGuid(0), r.GetGuid(1)));
            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct))
                policies[r.GetGuid(0)] = (r.GetString(1), Dec(r, 2), Str(r, 3), Dec(r, 4), Dec(r, 5), Dec(r, 6), Str(r, 7));
            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct)) defaultScheme = r.GetString(0);
            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct)) groups.Add((r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetDecimal(3), r.GetInt32(4), r.GetInt32(5)));
            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct)) neverDrop.Add((r.GetGuid(0), r.GetGuid(1)));
            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct))
                assignments.Add((r.GetGuid(0), new AssignmentRow(r.GetGuid(1), r.GetGuid(2), r.GetDecimal(3), Time(r, 4), r.GetBoolean(5), r.GetBoolean(6), r.GetString(7))));
            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct)) due[(r.GetGuid(0), r.GetGuid(1))] = Time(r, 2);
            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct))
                submissions.Add((r.GetGuid(0), r.GetGuid(2), new GradeSubmission(Key(r.GetGuid(1)), Dec(r, 3), null, Time(r, 4), r.GetBoolean(5), Status(Str(r, 6)))));
            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct)) overrides[(r.GetGuid(0), r.GetGuid(1))] = r.GetDecimal(2);
        }

        var fallbackScheme = defaultScheme == null ? GradeDescription.DefaultScheme : Ladder(defaultScheme);
        var neverDropByGroup = neverDrop.ToLookup(n => n.Group, n => Key(n.Assignment));
        var groupsByShell = groups.ToLookup(g => g.Shell);
        var assignmentsByShell = assignments.ToLookup(a => a.Shell, a => a.Row);
        var submissionsByStudent = submissions.ToLookup(s => (s.Shell, s.Student), s => s.Submission);
        var result = new Dictionary<Guid, Dictionary<Guid, GradeDescription>>();
        foreach (var shell in enrolled.GroupBy(e => e.Shell))
        {
            var shellGroups = groupsByShell[shell.Key].ToList();
            var gradeGroups = shellGroups.Select(g => new GradeGroup(Key(g.Id), g.Name, g.Weight, g.DropLowest, g.DropHighest,
                neverDropByGroup[g.Id].ToList())).ToList();
            var shellRules = rules ?? (policies.TryGetValue(shell.Key, out var p)
                ? new GradingRules(Weightings(p.Weighting),
                    p.LateDeduction is { } ld ? new LatePolicy(ld, Interval(p.LateInterval!), p.LateFloor ?? 0) : null,
                    p.MissingDeduction is { } md ? new MissingPolicy(md, p.MissingFloor ?? 0) : null,
                    p.Scheme == null ? fallbackScheme : Ladder(p.Scheme))
                : new GradingRules(null, null, null, fallbackScheme));
            // Weights decide unless every group weighs 0 (a teacher who never set weights): then total points.
            var weighting = shellRules.Weighting ?? (shellGroups.Any(g => g.Weight > 0) ? Weighting.Percent : Weighting.Points);
            var shellRows = assignmentsByShell[shell.Key].ToList();
            // Built once per shell and shared by its students (descriptions are immutable); a student with an
            // overridden due date gets a copy of just that assignment.
            var shellAssignments = shellRows.Select(a => new GradeAssignment(Key(a.Id), Key(a.GroupId), a.PointsPossible, a.DueAt,
                a.OmitFromFinal, a.Posted, KeepAttempt.Highest, Type(a.GradingType))).ToList();
            var descriptions = new Dictionary<Guid, GradeDescription>();
            foreach (var (_, student) in shell)
            {
                IReadOnlyList<GradeAssignment> own = shellAssignments;
                if (due.Count > 0)
                {
                    List<GradeAssignment>? copy = null;
                    for (var i = 0; i < shellRows.Count; i++)
                        if (due.TryGetValue((shellRows[i].Id, student), out var d))
                            (copy ??= [.. shellAssignments])[i] = shellAssignments[i] with { DueAt = d };
                    if (copy != null) own = copy;
                }
                descriptions[student] = new GradeDescription(weighting, shellRules.LatePolicy, shellRules.MissingPolicy, shellRules.Scheme, now, gradeGroups,
                    own, submissionsByStudent[(shell.Key, student)].ToList(), overrides.TryGetValue((shell.Key, student), out var o) ? o : null);
            }
            result[shell.Key] = descriptions;
        }
        return result;
    }

    static IReadOnlyList<SchemeEntry> Ladder(string json) =>
        System.Text.Json.JsonSerializer.Deserialize<List<SchemeEntry>>(json, GradeDescriptionJson.WriteOptions)!;

    /// <summary>The shell's saved grading rules (the automatic default when it has no policy row).</summary>
    public async Task<GradingRules> RulesAsync(Guid shellId, CancellationToken ct)
    {
        var row = await db.Database.SqlQuery<PolicyRow>($"""
            select weighting as "Weighting", late_deduction_percent as "LateDeduction", late_interval as "LateInterval", late_floor_percent as "LateFloor",
                   missing_deduction_percent as "MissingDeduction", missing_floor_percent as "MissingFloor", scheme_id as "SchemeId"
            from shell_grading_policies where shell_id = {shellId}
            """).SingleOrDefaultAsync(ct);
        return new GradingRules(row?.Weighting is { } w ? Weightings(w) : null,
            row?.LateDeduction is { } ld ? new LatePolicy(ld, Interval(row.LateInterval!), row.LateFloor ?? 0) : null,
            row?.MissingDeduction is { } md ? new MissingPolicy(md, row.MissingFloor ?? 0) : null,
            await SchemeAsync(row?.SchemeId, ct));
    }

    /// <summary>The ladder of a district scheme, or with none given the district default, or the built-in ladder.</summary>
    public async Task<IReadOnlyList<SchemeEntry>> SchemeAsync(Guid? schemeId, CancellationToken ct)
    {
        var json = await db.Database.SqlQuery<string?>($"""
            select coalesce((select entries from grading_schemes where id = {schemeId}),
                            (select entries from grading_schemes where is_default and {schemeId}::uuid is null))::text as "Value"
            """).SingleAsync(ct);
        return json == null ? GradeDescription.DefaultScheme
            : System.Text.Json.JsonSerializer.Deserialize<List<SchemeEntry>>(json, GradeDescriptionJson.WriteOptions)!;
    }

    /// <summary>Engine ids are strings; ours are uuids in their usual text form, so explanations name assignments by id.</summary>
    public static string Key(Guid id) => id.ToString();

    public static Weighting Weightings(string weighting) => weighting == "points" ? Weighting.Points : Weighting.Percent;

    public static LateInterval Interval(string interval) => interval switch
    {
        "minute" => LateInterval.Minute, "hour" => LateInterval.Hour, "week" => LateInterval.Week, _ => LateInterval.Day,
    };

    static GradingType Type(string type) => type switch
    {
        "percent" => GradingType.Percent, "letter" => GradingType.Letter, "pass_fail" => GradingType.PassFail,
        "not_graded" => GradingType.NotGraded, _ => GradingType.Points,
    };

    static SubmissionStatus? Status(string? status) => status switch
    {
        "late" => SubmissionStatus.Late, "missing" => SubmissionStatus.Missing, "none" => SubmissionStatus.None, _ => null,
    };

    sealed record PolicyRow(string Weighting, decimal? LateDeduction, string? LateInterval, decimal? LateFloor, decimal? MissingDeduction,
        decimal? MissingFloor, Guid? SchemeId);
    sealed record AssignmentRow(Guid Id, Guid GroupId, decimal PointsPossible, DateTimeOffset? DueAt, bool OmitFromFinal, bool Posted, string GradingType);
}

/// <summary>
/// The policy half of a description: <c>Weighting</c> null means automatic (percent when any group has a weight, else
/// points); null late/missing policies mean none.
/// </summary>
public sealed record GradingRules(Weighting? Weighting, LatePolicy? LatePolicy, MissingPolicy? MissingPolicy, IReadOnlyList<SchemeEntry> Scheme);
