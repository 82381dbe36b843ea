using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Grades;

public sealed record LatePolicyInput(decimal? DeductionPercent, string? Interval, decimal? FloorPercent);
public sealed record MissingPolicyInput(decimal? DeductionPercent, decimal? FloorPercent);

/// <summary>
/// A shell's grading policy as sent: <c>weighting</c> "percent" or "points"; a null late or missing policy means none;
/// <c>schemeId</c> null means the district default scheme; <c>groups</c> the weights and drops of some or all of the
/// shell's groups, saved and previewed with the policy (null or empty: the groups as they are).
/// </summary>
public sealed record GradingPolicyInput(string? Weighting, LatePolicyInput? LatePolicy, MissingPolicyInput? MissingPolicy, Guid? SchemeId,
    IReadOnlyList<GroupWeightInput>? Groups = null);

/// <summary>
/// One assignment group's weight and drops as set with the policy (saved and previewed together);
/// <c>NeverDrop</c> the group's assignments that are never dropped (null: as saved).
/// </summary>
public sealed record GroupWeightInput(Guid GroupId, decimal Weight, int DropLowest, int DropHighest, IReadOnlyList<Guid>? NeverDrop = null);

public sealed record LatePolicyView(decimal DeductionPercent, string Interval, decimal FloorPercent);
public sealed record MissingPolicyView(decimal DeductionPercent, decimal FloorPercent);

/// <summary>The policy in force. <c>Version</c> 0: never saved (the automatic default); <c>Scheme</c> is the ladder that applies.</summary>
public sealed record GradingPolicyView(
    Guid ShellId, string Weighting, LatePolicyView? LatePolicy, MissingPolicyView? MissingPolicy, Guid? SchemeId,
    IReadOnlyList<SchemeEntry> Scheme, int Version, DateTimeOffset? UpdatedAt);

/// <summary>
/// One student whose grade a policy change moves. <c>Before</c>/<c>After</c> are the current grade in the teacher's
/// view (unposted work included), with its letter; the final grade (override applied) follows.
/// </summary>
public sealed record ScoreChange(
    Guid StudentId, decimal? Before, decimal? After, string? BeforeLetter, string? AfterLetter,
    decimal? BeforeFinal, decimal? AfterFinal, string? BeforeFinalLetter, string? AfterFinalLetter);

/// <summary>"N students change letter grade": <c>StudentsChangingLetter</c> counts current-letter changes; <c>Changes</c> lists every moved score.</summary>
public sealed record PolicyPreview(int Students, int StudentsChangingLetter, IReadOnlyList<ScoreChange> Changes);

/// <summary>
/// Reads, previews and saves a shell's grading policy (teachers of the shell and admins). Saving recomputes every
/// student of the shell in the same transaction (rows marked stale first, one statement; then one upsert), and
/// audits the policy before and after (<c>grading_policy.updated</c>). A preview computes the same without saving.
/// Group weights and drops can go with the policy (the policy page), saved in the same transaction in one statement
/// (<c>assignment_groups.policy_updated</c>) and previewed the same way. A shell with a closed grading period refuses a
/// change (409): it would change grades of the closed period.
/// </summary>
public sealed class GradingPolicies(LmsDbContext db, GradeAccess gradeAccess, GradeInputs inputs, ScoreKeeper scores, GradingPeriods periods,
    AuditLog audit, TimeProvider clock)
{
    Guid Tenant => db.TenantId ?? throw new InvalidOperationException("No district for this request.");

    public async Task<GradingPolicyView> GetAsync(ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        await gradeAccess.CheckEditableAsync(viewer, shellId, ct);
        return await ReadAsync(shellId, ct);
    }

    /// <param name="expectedVersion">From an <c>If-Match</c> header: the version the caller read; a newer one is refused (412).</param>
    public async Task<GradingPolicyView> PutAsync(ShellViewer viewer, Guid shellId, GradingPolicyInput input, int? expectedVersion, CancellationToken ct)
    {
        var v = Validate(input);
        var g = ValidateGroups(input.Groups);
        await using var tx = await gradeAccess.BeginEditAsync(viewer, shellId, ct);
        await EnsureNoClosedPeriodAsync(shellId, ct);
        await CheckSchemeAsync(v.SchemeId, ct);
        var before = await ReadAsync(shellId, ct);
        if (expectedVersion is { } expected && expected != before.Version)
            throw new ShellRefusal(412, "Precondition failed",
                $"The grading policy was changed since you read it (now version {before.Version}); reload it and try again.");
        await db.Database.ExecuteSqlAsync($"""
            insert into shell_grading_policies (tenant_id, shell_id, weighting, late_deduction_percent, late_interval, late_floor_percent,
                                                missing_deduction_percent, missing_floor_percent, scheme_id, version, updated_by, updated_at)
            values ({Tenant}, {shellId}, {v.Weighting}, {v.LateDeduction}, {v.LateInterval}, {v.LateFloor}, {v.MissingDeduction}, {v.MissingFloor},
                    {v.SchemeId}, 1, {viewer.PersonId}, now())
            on conflict (tenant_id, shell_id) do update set
              weighting = excluded.weighting, late_deduction_percent = excluded.late_deduction_percent, late_interval = excluded.late_interval,
              late_floor_percent = excluded.late_floor_percent, missing_deduction_percent = excluded.missing_deduction_percent,
              missing_floor_percent = excluded.missing_floor_percent, scheme_id = excluded.scheme_id,
              version = shell_grading_policies.version + 1, updated_by = excluded.updated_by, updated_at = now()
            """, ct);
        var after = await ReadAsync(shellId, ct);
        if (g.Count > 0) await SaveGroupsAsync(viewer, shellId, g, ct);
        await audit.WriteAsync(new AuditEntry("grading_policy.updated", "course_shell", shellId.ToString(), Before: before, After: after,
            Actor: viewer.PersonId is { } person ? AuditActor.User(person) : null), ct);
        // The deferred path for a very large shell would commit here and recompute in the background; one class fits in the transaction.
        await scores.MarkStaleAsync([shellId], ct);
        await scores.RecomputeAsync(shellId, null, ct);
        await tx.CommitAsync(ct);
        return after;
    }

    /// <summary>What saving <paramref name="input"/> (groups included) would do to every student's grade, computed and not saved.</summary>
    public async Task<PolicyPreview> PreviewAsync(ShellViewer viewer, Guid shellId, GradingPolicyInput input, CancellationToken ct)
    {
        var v = Validate(input);
        var g = ValidateGroups(input.Groups).ToDictionary(x => GradeInputs.Key(x.GroupId));
        await gradeAccess.CheckEditableAsync(viewer, shellId, ct);
        await CheckSchemeAsync(v.SchemeId, ct);
        var rules = new GradingRules(GradeInputs.Weightings(v.Weighting),
            v.LateDeduction is { } ld ? new LatePolicy(ld, GradeInputs.Interval(v.LateInterval!), v.LateFloor!.Value) : null,
            v.MissingDeduction is { } md ? new MissingPolicy(md, v.MissingFloor!.Value) : null,
            await inputs.SchemeAsync(v.SchemeId, ct));
        var before = await scores.ComputeAsync(shellId, null, ct);
        // The descriptions under the new rules, with the new group settings in place of the saved ones: the engine as saving would run it.
        var after = (await inputs.ForStudentsAsync(shellId, null, clock.GetUtcNow(), rules, ct)).ToDictionary(d => d.Key, d => GradeEngine.Compute(
            g.Count == 0 ? d.Value : d.Value with
            {
                Groups = d.Value.Groups.Select(x => g.TryGetValue(x.Id, out var n) ? x with
                {
                    Weight = n.Weight, DropLowest = n.DropLowest, DropHighest = n.DropHighest,
                    NeverDrop = n.NeverDrop?.Select(GradeInputs.Key).ToList() ?? x.NeverDrop,
                } : x).ToList(),
            }));
        var changes = before.Keys.Order()
            .Where(after.ContainsKey)
            .Select(s => (b: before[s], a: after[s], s))
            .Where(x => x.b.UnpostedCurrent != x.a.UnpostedCurrent || x.b.UnpostedCurrentLetter != x.a.UnpostedCurrentLetter ||
                        x.b.EffectiveFinal != x.a.EffectiveFinal || x.b.EffectiveFinalLetter != x.a.EffectiveFinalLetter)
            .Select(x => new ScoreChange(x.s, x.b.UnpostedCurrent, x.a.UnpostedCurrent, x.b.UnpostedCurrentLetter, x.a.UnpostedCurrentLetter,
                x.b.EffectiveFinal, x.a.EffectiveFinal, x.b.EffectiveFinalLetter, x.a.EffectiveFinalLetter))
            .ToList();
        return new PolicyPreview(before.Count, changes.Count(c => c.BeforeLetter != c.AfterLetter), changes);
    }

    async Task<GradingPolicyView> ReadAsync(Guid shellId, CancellationToken ct)
    {
        var row = await db.Database.SqlQuery<PolicyRow>($"""
            select weighting as "Weighting", late_deduction_percent as "LateDeduction", late_interval as "LateInterval", late_floor_percent as "LateFloor",
                   missing_deduction_percent as "MissingDeduction", missing_floor_percent as "MissingFloor", scheme_id as "SchemeId",
                   version as "Version", updated_at as "UpdatedAt"
            from shell_grading_policies where shell_id = {shellId}
            """).SingleOrDefaultAsync(ct);
        var rules = await inputs.RulesAsync(shellId, ct);
        var weighting = row?.Weighting ?? (await db.Database.SqlQuery<bool>($"""
            select exists (select 1 from assignment_groups where shell_id = {shellId} and weight > 0) as "Value"
            """).SingleAsync(ct) ? "percent" : "points");
        return new GradingPolicyView(shellId, weighting,
            row?.LateDeduction is { } ld ? new LatePolicyView(ld, row.LateInterval!, row.LateFloor!.Value) : null,
            row?.MissingDeduction is { } md ? new MissingPolicyView(md, row.MissingFloor!.Value) : null,
            row?.SchemeId, rules.Scheme, row?.Version ?? 0, row?.UpdatedAt);
    }

    /// <summary>The groups' new weights and drops in one statement, audited with every group's settings before and after.</summary>
    async Task SaveGroupsAsync(ShellViewer viewer, Guid shellId, IReadOnlyList<GroupWeightInput> groups, CancellationToken ct)
    {
        var ids = groups.Select(x => x.GroupId).ToArray();
        var before = await GroupSettingsAsync(shellId, ct);
        var changed = await db.Database.ExecuteSqlAsync($"""
            update assignment_groups g set weight = x.weight, drop_lowest = x.low, drop_highest = x.high, updated_at = now()
            from unnest({ids}::uuid[], {groups.Select(x => x.Weight).ToArray()}::numeric[], {groups.Select(x => x.DropLowest).ToArray()}::int[],
                        {groups.Select(x => x.DropHighest).ToArray()}::int[]) as x(id, weight, low, high)
            where g.id = x.id and g.shell_id = {shellId}
            """, ct);
        if (changed != ids.Length) throw ShellRefusal.Invalid("groups", "Every group must be one of this course's assignment groups.");
        var neverDrop = groups.Where(x => x.NeverDrop != null).ToList();
        if (neverDrop.Count > 0)
        {
            var pairs = neverDrop.SelectMany(x => x.NeverDrop!.Distinct().Select(a => (Group: x.GroupId, Assignment: a))).ToList();
            var (pairGroups, pairAssignments) = (pairs.Select(p => p.Group).ToArray(), pairs.Select(p => p.Assignment).ToArray());
            var inGroup = await db.Database.SqlQuery<int>($"""
                select count(*)::int as "Value" from unnest({pairGroups}::uuid[], {pairAssignments}::uuid[]) as x(g, a)
                join assignments a on a.id = x.a and a.group_id = x.g
                """).SingleAsync(ct);
            if (inGroup != pairs.Count) throw ShellRefusal.Invalid("groups.neverDrop", "Never-drop assignments must belong to their group.");
            await db.Database.ExecuteSqlAsync($"""
                delete from group_never_drop where group_id = any ({neverDrop.Select(x => x.GroupId).ToArray()})
                """, ct);
            await db.Database.ExecuteSqlAsync($"""
                insert into group_never_drop (tenant_id, group_id, assignment_id)
                select {Tenant}, x.g, x.a from unnest({pairGroups}::uuid[], {pairAssignments}::uuid[]) as x(g, a)
                """, ct);
        }
        await audit.WriteAsync(new AuditEntry("assignment_groups.policy_updated", "course_shell", shellId.ToString(), Before: before,
            After: await GroupSettingsAsync(shellId, ct), Actor: viewer.PersonId is { } person ? AuditActor.User(person) : null), ct);
    }

    Task<List<GroupSettingsRow>> GroupSettingsAsync(Guid shellId, CancellationToken ct) => db.Database.SqlQuery<GroupSettingsRow>($"""
        select g.id as "GroupId", g.weight as "Weight", g.drop_lowest as "DropLowest", g.drop_highest as "DropHighest",
               (select coalesce(string_agg(n.assignment_id::text, ',' order by n.assignment_id), '') from group_never_drop n where n.group_id = g.id) as "NeverDrop"
        from assignment_groups g where g.shell_id = {shellId} order by g.position, g.id
        """).ToListAsync(ct);

    sealed record GroupSettingsRow(Guid GroupId, decimal Weight, int DropLowest, int DropHighest, string NeverDrop);

    /// <summary>A policy or group change recomputes every grade of the shell, those of a closed period too: refused while one is closed.</summary>
    async Task EnsureNoClosedPeriodAsync(Guid shellId, CancellationToken ct)
    {
        if ((await periods.ForShellAsync(shellId, ct)).FirstOrDefault(p => p.ClosedAt != null) is { } closed)
            throw ShellRefusal.Conflict($"Grading period {closed.Title} is closed: changing the grading policy would change its grades.");
    }

    static List<GroupWeightInput> ValidateGroups(IReadOnlyList<GroupWeightInput>? groups)
    {
        var list = groups?.ToList() ?? [];
        if (list.Select(x => x.GroupId).Distinct().Count() != list.Count) throw ShellRefusal.Invalid("groups", "Each group is listed once.");
        foreach (var x in list)
        {
            if (x.Weight is < 0 or > 999.9999m || decimal.Round(x.Weight, 4) != x.Weight)
                throw ShellRefusal.Invalid("groups.weight", "A weight is a number from 0 to 999.9999 (at most 4 decimals).");
            if (x.DropLowest < 0 || x.DropHighest < 0) throw ShellRefusal.Invalid("groups.drop", "The number of scores to drop cannot be negative.");
        }
        return list;
    }

    async Task CheckSchemeAsync(Guid? schemeId, CancellationToken ct)
    {
        if (schemeId is { } id && !await db.Database.SqlQuery<bool>($"select exists (select 1 from grading_schemes where id = {id}) as \"Value\"").SingleAsync(ct))
            throw ShellRefusal.Invalid("schemeId", "The scheme must be one of the district's grading schemes (or null for the district default).");
    }

    sealed record Values(string Weighting, decimal? LateDeduction, string? LateInterval, decimal? LateFloor, decimal? MissingDeduction,
        decimal? MissingFloor, Guid? SchemeId);

    static readonly string[] Intervals = ["minute", "hour", "day", "week"];

    static Values Validate(GradingPolicyInput input)
    {
        var weighting = input.Weighting is "percent" or "points" ? input.Weighting
            : throw ShellRefusal.Invalid("weighting", "Weighting is \"percent\" (group weights) or \"points\" (total points).");
        var late = input.LatePolicy;
        if (late != null && !Intervals.Contains(late.Interval))
            throw ShellRefusal.Invalid("latePolicy.interval", "The late interval is one of minute, hour, day, week.");
        var missing = input.MissingPolicy;
        return new Values(weighting,
            late == null ? null : Percent(late.DeductionPercent ?? 0, "latePolicy.deductionPercent"), late?.Interval,
            late == null ? null : Percent(late.FloorPercent ?? 0, "latePolicy.floorPercent"),
            missing == null ? null : Percent(missing.DeductionPercent ?? 0, "missingPolicy.deductionPercent"),
            missing == null ? null : Percent(missing.FloorPercent ?? 0, "missingPolicy.floorPercent"),
            input.SchemeId);
    }

    static decimal Percent(decimal p, string field) => p is >= 0 and <= 100 && decimal.Round(p, 2) == p ? p
        : throw ShellRefusal.Invalid(field, "A percentage is a number from 0 to 100 (at most 2 decimals).");

    sealed record PolicyRow(string Weighting, decimal? LateDeduction, string? LateInterval, decimal? LateFloor, decimal? MissingDeduction,
        decimal? MissingFloor, Guid? SchemeId, int Version, DateTimeOffset UpdatedAt);
}
