using System.Text.Json;
using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Users;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Grades;

/// <summary>
/// One student's grade in one shell (the contract of issue 13): the student's view (posted work only) — <c>Final</c> is
/// the final grade with the teacher's override applied — its groups and explanation exactly as the engine computed
/// them, whether a recompute is pending (<c>Stale</c>), and for the shell's teachers and admins the teacher's view
/// (<c>Unposted</c>, everything included; its final is the computed one, before any override).
/// </summary>
public sealed record GradeView(
    Guid ShellId, Guid StudentId, decimal? Current, decimal? Final, string? CurrentLetter, string? FinalLetter, decimal? FinalOverride,
    JsonElement Groups, JsonElement Explanation, bool Stale, DateTimeOffset ComputedAt, UnpostedGradeView? Unposted);

public sealed record UnpostedGradeView(decimal? Current, decimal? Final, string? CurrentLetter, string? FinalLetter, JsonElement Groups, JsonElement Explanation);

public sealed record FinalOverrideInput(decimal? Percent, string? Reason);

/// <summary>
/// Reads a student's stored grade (computing and storing it when none exists yet) and sets or removes the teacher's
/// final-grade override. Readers: the student themself and their guardians (student's view), the shell's teachers and
/// admins (both views); anyone else gets 404. An override needs a reason, is refused in a closed grading period (409),
/// is a grade change (<see cref="GradeChangeLog"/>, kind final_override) and recomputes the student in its transaction.
/// </summary>
public sealed class StudentGrades(LmsDbContext db, ShellAccess access, GradeAccess gradeAccess, ScoreKeeper scores, GradeChangeLog log,
    GradingPeriods periods)
{
    Guid Tenant => db.TenantId ?? throw new InvalidOperationException("No district for this request.");

    public async Task<GradeView> GetAsync(ShellViewer viewer, Guid shellId, Guid studentId, CancellationToken ct)
    {
        var teacherView = await access.Editable(viewer).AnyAsync(s => s.Id == shellId, ct);
        if (!teacherView)
        {
            var me = viewer.PersonId;
            var related = me == studentId && viewer.Is(Roles.Student)
                || viewer.Is(Roles.Guardian) && me is { } g && await db.GuardianLinks.AnyAsync(l => l.GuardianId == g && l.StudentId == studentId, ct);
            if (!related || !await access.Readable(viewer).AnyAsync(s => s.Id == shellId, ct)) throw ShellRefusal.NotFound("Grade");
        }
        if (!await gradeAccess.IsStudentAsync(shellId, studentId, ct)) throw ShellRefusal.NotFound("Grade");
        var stored = await scores.GetAsync(shellId, studentId, ct);
        if (stored == null)
        {
            await scores.RecomputeAsync(shellId, [studentId], ct);
            stored = await scores.GetAsync(shellId, studentId, ct) ?? throw ShellRefusal.NotFound("Grade");
        }
        return View(stored, teacherView);
    }

    public async Task<GradeView> SetOverrideAsync(ShellViewer viewer, Guid shellId, Guid studentId, FinalOverrideInput input, CancellationToken ct)
    {
        var percent = input.Percent is { } p && p is >= 0 and <= 1000 && decimal.Round(p, 2) == p ? p
            : throw ShellRefusal.Invalid("percent", "The final grade is a percentage from 0 to 1000 (at most 2 decimals).");
        var reason = Reason(input.Reason);
        await using (var tx = await BeginAsync(viewer, shellId, studentId, ct))
        {
            var before = await OverrideAsync(shellId, studentId, ct);
            await db.Database.ExecuteSqlAsync($"""
                insert into final_grade_overrides (tenant_id, shell_id, student_id, percent, reason, set_by, set_at)
                values ({Tenant}, {shellId}, {studentId}, {percent}, {reason}, {viewer.PersonId}, now())
                on conflict (tenant_id, shell_id, student_id) do update set
                  percent = excluded.percent, reason = excluded.reason, set_by = excluded.set_by, set_at = now()
                """, ct);
            await log.WriteAsync(new GradeChange(GradeChangeKind.FinalOverride, shellId, null, studentId,
                before == null ? null : new { finalOverride = before.Percent }, new { finalOverride = percent }, viewer.PersonId, GradeChannel.Api, reason), ct);
            await scores.RecomputeAsync(shellId, [studentId], ct);
            await tx.CommitAsync(ct);
        }
        return await GetAsync(viewer, shellId, studentId, ct);
    }

    public async Task RemoveOverrideAsync(ShellViewer viewer, Guid shellId, Guid studentId, string? reason, CancellationToken ct)
    {
        var why = Reason(reason);
        await using var tx = await BeginAsync(viewer, shellId, studentId, ct);
        var before = await OverrideAsync(shellId, studentId, ct) ?? throw ShellRefusal.NotFound("Final grade override");
        await db.Database.ExecuteSqlAsync($"delete from final_grade_overrides where shell_id = {shellId} and student_id = {studentId}", ct);
        await log.WriteAsync(new GradeChange(GradeChangeKind.FinalOverride, shellId, null, studentId,
            new { finalOverride = before.Percent }, new { finalOverride = (decimal?)null }, viewer.PersonId, GradeChannel.Api, why), ct);
        await scores.RecomputeAsync(shellId, [studentId], ct);
        await tx.CommitAsync(ct);
    }

    async Task<Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction> BeginAsync(ShellViewer viewer, Guid shellId, Guid studentId, CancellationToken ct)
    {
        var tx = await gradeAccess.BeginEditAsync(viewer, shellId, ct);
        try
        {
            if (!await gradeAccess.IsStudentAsync(shellId, studentId, ct)) throw ShellRefusal.NotFound("Student");
            await periods.EnsureOpenAsync(shellId, null, ct);
            return tx;
        }
        catch
        {
            await tx.DisposeAsync();
            throw;
        }
    }

    Task<OverrideRow?> OverrideAsync(Guid shellId, Guid studentId, CancellationToken ct) =>
        db.Database.SqlQuery<OverrideRow>($"""
            select percent as "Percent", reason as "Reason" from final_grade_overrides where shell_id = {shellId} and student_id = {studentId} for update
            """).SingleOrDefaultAsync(ct);

    static string Reason(string? reason) => reason?.Trim() is { Length: >= 1 and <= 1000 } r ? r
        : throw ShellRefusal.Invalid("reason", "A final grade override needs a reason (at most 1,000 characters).");

    static GradeView View(StoredScore s, bool teacherView)
    {
        var r = s.Result;
        JsonElement Json(object value) => JsonSerializer.SerializeToElement(value, GradeDescriptionJson.WriteOptions);
        return new GradeView(s.ShellId, s.StudentId, r.Current, r.EffectiveFinal, r.CurrentLetter, r.EffectiveFinalLetter, r.FinalOverride,
            Json(r.Groups), Json(r.Explanation), s.Stale, s.ComputedAt,
            teacherView ? new UnpostedGradeView(r.UnpostedCurrent, r.UnpostedFinal, r.UnpostedCurrentLetter, r.UnpostedFinalLetter,
                Json(r.UnpostedGroups), Json(r.UnpostedExplanation)) : null);
    }

    sealed record OverrideRow(decimal Percent, string Reason);
}
