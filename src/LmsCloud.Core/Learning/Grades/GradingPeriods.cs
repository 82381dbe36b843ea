using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Users;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Grades;

public sealed record GradingPeriodView(Guid Id, string Title, DateOnly StartDate, DateOnly EndDate, DateTimeOffset? ClosedAt, Guid? ClosedBy);

/// <summary>
/// Grading periods are the roster's academic sessions of type <c>gradingPeriod</c> at or below the terms of the shell's
/// classes (following parent_id down). Which period a grade belongs to (the Canvas rule): the assignment's due date —
/// the student's effective one when the student is known — as a date in the district's time zone, falling within the
/// period's start and end dates (inclusive); an assignment without a due date belongs to the shell's last period; a
/// due date outside every period belongs to none (never closed). A final-grade override belongs to the latest period
/// that has started by today. District and school admins close and reopen periods (sessions are district-wide).
/// </summary>
public sealed class GradingPeriods(LmsDbContext db, AuditLog audit)
{
    Guid Tenant => db.TenantId ?? throw new InvalidOperationException("No district for this request.");

    /// <summary>The shell's grading periods in date order, with their closure. Access checks are the caller's.</summary>
    public Task<List<GradingPeriodView>> ForShellAsync(Guid shellId, CancellationToken ct) =>
        db.Database.SqlQuery<GradingPeriodView>($"""
            with recursive terms as (
              select distinct unnest(c.term_ids) as id
              from course_shell_classes sc join classes c on c.tenant_id = sc.tenant_id and c.id = sc.class_id
              where sc.shell_id = {shellId}
            ), tree as (
              select s.id from academic_sessions s where s.id in (select id from terms)
              union
              select s.id from academic_sessions s join tree t on s.parent_id = t.id
            )
            select p.id as "Id", p.title as "Title", p.start_date as "StartDate", p.end_date as "EndDate", x.closed_at as "ClosedAt", x.closed_by as "ClosedBy"
            from academic_sessions p left join grading_period_closures x on x.tenant_id = p.tenant_id and x.session_id = p.id
            where p.id in (select id from tree) and p.type = 'gradingPeriod' and p.status = 'active'
            order by p.start_date, p.end_date, p.id
            """).ToListAsync(ct);

    /// <summary>Refuses (409 "Grading period X is closed") a grade change of the assignment (null: the final grade) in a closed period.</summary>
    public Task EnsureOpenAsync(Guid shellId, Guid? assignmentId, CancellationToken ct) => EnsureOpenAsync(shellId, assignmentId, null, ct);

    /// <inheritdoc cref="EnsureOpenAsync(Guid, Guid?, CancellationToken)"/>
    /// <param name="studentId">When given, the student's effective due date decides the period.</param>
    public async Task EnsureOpenAsync(Guid shellId, Guid? assignmentId, Guid? studentId, CancellationToken ct)
    {
        if (await PeriodOfAsync(shellId, assignmentId, studentId, ct) is { ClosedAt: not null } closed)
            throw new ShellRefusal(409, "Grading period closed", $"Grading period {closed.Title} is closed.");
    }

    /// <summary>The period a grade change falls into (see the class remarks), or null when none.</summary>
    public async Task<GradingPeriodView?> PeriodOfAsync(Guid shellId, Guid? assignmentId, Guid? studentId, CancellationToken ct)
    {
        var periods = await ForShellAsync(shellId, ct);
        if (periods.Count == 0) return null;
        // the day in the district's time zone: of the due date for an assignment, of today for the final grade
        var day = await db.Database.SqlQuery<Day>($"""
            select a.id is not null as "Found", a.id is not null and coalesce(d.due_at, a.due_at) is null as "Undated",
                   (coalesce(case when {assignmentId}::uuid is null then now() end, d.due_at, a.due_at)
                      at time zone coalesce((select time_zone from district_profiles), 'UTC'))::date as "Date"
            from (select 1) one
            left join assignments a on a.id = {assignmentId} and a.shell_id = {shellId}
            left join effective_due_dates d on d.tenant_id = a.tenant_id and d.assignment_id = a.id and d.student_id = {studentId}
            """).SingleAsync(ct);
        if (assignmentId == null) return periods.Where(p => p.StartDate <= day.Date).MaxBy(p => (p.StartDate, p.EndDate));
        if (!day.Found) return null;
        if (day.Undated) return periods.MaxBy(p => (p.EndDate, p.StartDate));
        return periods.FirstOrDefault(p => p.StartDate <= day.Date && day.Date <= p.EndDate);
    }

    public Task<GradingPeriodView> CloseAsync(ShellViewer viewer, Guid sessionId, CancellationToken ct) => SetAsync(viewer, sessionId, close: true, ct);

    public Task<GradingPeriodView> ReopenAsync(ShellViewer viewer, Guid sessionId, CancellationToken ct) => SetAsync(viewer, sessionId, close: false, ct);

    async Task<GradingPeriodView> SetAsync(ShellViewer viewer, Guid sessionId, bool close, CancellationToken ct)
    {
        if (!viewer.Is(Roles.DistrictAdmin) && !viewer.Is(Roles.SchoolAdmin))
            throw ShellRefusal.Forbidden("Only district and school administrators may close or reopen grading periods.");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var before = await ReadAsync(sessionId, lockRow: true, ct) ?? throw ShellRefusal.NotFound("Grading period");
        if (close == (before.ClosedAt != null))
            throw ShellRefusal.Conflict(close ? $"Grading period {before.Title} is already closed." : $"Grading period {before.Title} is open.");
        if (close)
            await db.Database.ExecuteSqlAsync($"""
                insert into grading_period_closures (tenant_id, session_id, closed_by) values ({Tenant}, {sessionId}, {viewer.PersonId})
                """, ct);
        else await db.Database.ExecuteSqlAsync($"delete from grading_period_closures where session_id = {sessionId}", ct);
        var after = (await ReadAsync(sessionId, lockRow: false, ct))!;
        await audit.WriteAsync(new AuditEntry(close ? "grading_period.closed" : "grading_period.reopened", "academic_session", sessionId.ToString(),
            Before: before, After: after, Actor: viewer.PersonId is { } person ? AuditActor.User(person) : null), ct);
        await tx.CommitAsync(ct);
        return after;
    }

    Task<GradingPeriodView?> ReadAsync(Guid sessionId, bool lockRow, CancellationToken ct) =>
        (lockRow
            ? db.Database.SqlQuery<GradingPeriodView>($"""
                select p.id as "Id", p.title as "Title", p.start_date as "StartDate", p.end_date as "EndDate",
                       (select closed_at from grading_period_closures x where x.session_id = p.id) as "ClosedAt",
                       (select closed_by from grading_period_closures x where x.session_id = p.id) as "ClosedBy"
                from academic_sessions p where p.id = {sessionId} and p.type = 'gradingPeriod' for update
                """)
            : db.Database.SqlQuery<GradingPeriodView>($"""
                select p.id as "Id", p.title as "Title", p.start_date as "StartDate", p.end_date as "EndDate", x.closed_at as "ClosedAt", x.closed_by as "ClosedBy"
                from academic_sessions p left join grading_period_closures x on x.tenant_id = p.tenant_id and x.session_id = p.id
                where p.id = {sessionId} and p.type = 'gradingPeriod'
                """)).SingleOrDefaultAsync(ct);

    sealed record Day(bool Found, bool Undated, DateOnly? Date);
}
