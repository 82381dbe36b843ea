using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Assignments;

/// <summary>
/// Reading assignments and groups. The shell must be readable (<see cref="ShellAccess.Readable"/>, else 404). A learner
/// (a reader who may not edit the shell) sees published assignments only, with their own effective dates when they have
/// any (a guardian sees the assignment's); overrides and everyone's due dates name students, so they are for editors
/// only (403 for a learner, who may read the assignment).
/// </summary>
public sealed class AssignmentReading(LmsDbContext db, ShellAccess access)
{
    public async Task<IReadOnlyList<AssignmentGroupView>> GroupsAsync(ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        var learner = await ReaderAsync(viewer, shellId, ct);
        var groups = await db.Database.SqlQuery<GroupRow>($"""
            select g.id as "Id", g.shell_id as "ShellId", g.name as "Name", g.weight as "Weight", g.drop_lowest as "DropLowest",
                   g.drop_highest as "DropHighest", g.position as "Position",
                   (select count(*)::int from assignments a where a.group_id = g.id and (a.published or not {learner})) as "AssignmentCount"
            from assignment_groups g where g.shell_id = {shellId} order by g.position
            """).ToListAsync(ct);
        var neverDrop = await db.Database.SqlQuery<NeverDropRow>($"""
            select n.group_id as "GroupId", n.assignment_id as "AssignmentId"
            from group_never_drop n join assignment_groups g on g.tenant_id = n.tenant_id and g.id = n.group_id
            join assignments a on a.tenant_id = n.tenant_id and a.id = n.assignment_id
            where g.shell_id = {shellId} and (a.published or not {learner}) order by n.assignment_id
            """).ToListAsync(ct);
        return groups.Select(g => new AssignmentGroupView(g.Id, g.ShellId, g.Name, g.Weight, g.DropLowest, g.DropHighest, g.Position, g.AssignmentCount,
            neverDrop.Where(n => n.GroupId == g.Id).Select(n => n.AssignmentId).ToList())).ToList();
    }

    public async Task<IReadOnlyList<AssignmentView>> ListAsync(ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        var learner = await ReaderAsync(viewer, shellId, ct);
        return await Rows(learner, viewer.PersonId).Where(a => a.ShellId == shellId)
            .OrderBy(a => a.DueAt == null).ThenBy(a => a.DueAt).ThenBy(a => a.Title).ThenBy(a => a.Id).ToListAsync(ct);
    }

    /// <summary>One assignment with its pinned instructions; null when the caller cannot see it (404).</summary>
    public async Task<AssignmentView?> GetAsync(ShellViewer viewer, Guid assignmentId, CancellationToken ct)
    {
        if (await ShellOfAsync(assignmentId, ct) is not { } shellId || !await access.Readable(viewer).AnyAsync(s => s.Id == shellId, ct)) return null;
        var learner = await access.SeesAsLearnerAsync(viewer, shellId, ct);
        var view = await Rows(learner, viewer.PersonId).SingleOrDefaultAsync(a => a.Id == assignmentId, ct);
        if (view == null) return null;
        var body = view.ContentVersionNo is { } no
            ? await db.Database.SqlQuery<string>($"""
                select body as "Value" from content_versions where item_id = {view.ContentItemId} and version_no = {no}
                """).SingleOrDefaultAsync(ct)
            : null;
        return view with { Instructions = body };
    }

    public async Task<IReadOnlyList<OverrideView>> OverridesAsync(ShellViewer viewer, Guid assignmentId, CancellationToken ct)
    {
        await EditorOfAsync(viewer, assignmentId, ct);
        return await db.Database.SqlQuery<OverrideView>($"""
            select id as "Id", assignment_id as "AssignmentId", class_id as "ClassId", student_id as "StudentId", due_at as "DueAt",
                   unlock_at as "UnlockAt", lock_at as "LockAt", reason as "Reason", updated_at as "UpdatedAt"
            from assignment_overrides where assignment_id = {assignmentId}
            order by student_id nulls first, class_id, id
            """).ToListAsync(ct);
    }

    /// <summary>Every student's effective dates (teachers and admins), by name.</summary>
    public async Task<IReadOnlyList<EffectiveDueDate>> DueDatesAsync(ShellViewer viewer, Guid assignmentId, CancellationToken ct)
    {
        await EditorOfAsync(viewer, assignmentId, ct);
        return await db.Database.SqlQuery<EffectiveDueDate>($"""
            select e.student_id as "StudentId", u.display_name as "StudentName", e.due_at as "DueAt", e.unlock_at as "UnlockAt",
                   e.lock_at as "LockAt", e.source as "Source"
            from effective_due_dates e join users u on u.tenant_id = e.tenant_id and u.id = e.student_id
            where e.assignment_id = {assignmentId}
            order by u.family_name, u.given_name, e.student_id
            """).ToListAsync(ct);
    }

    // A learner sees published assignments only, with their effective dates where the table has a row for them.
    IQueryable<AssignmentView> Rows(bool learner, Guid? me) => db.Database.SqlQuery<AssignmentView>($"""
        select a.id as "Id", a.shell_id as "ShellId", a.group_id as "GroupId", a.title as "Title", a.description as "Description",
               a.points_possible as "PointsPossible", a.grading_type as "GradingType",
               case when e.student_id is null then a.due_at else e.due_at end as "DueAt",
               case when e.student_id is null then a.unlock_at else e.unlock_at end as "UnlockAt",
               case when e.student_id is null then a.lock_at else e.lock_at end as "LockAt",
               a.allowed_attempts as "AllowedAttempts", a.omit_from_final as "OmitFromFinal", a.post_manually as "PostManually",
               a.passback as "Passback", a.content_item_id as "ContentItemId", a.content_version_no as "ContentVersionNo",
               a.module_item_id as "ModuleItemId", a.published as "Published", e.source as "DueSource", a.updated_at as "UpdatedAt",
               null::text as "Instructions"
        from assignments a
        left join effective_due_dates e on {learner} and e.tenant_id = a.tenant_id and e.assignment_id = a.id and e.student_id = {me}
        where a.published or not {learner}
        """);

    async Task<bool> ReaderAsync(ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        if (!await access.Readable(viewer).AnyAsync(s => s.Id == shellId, ct)) throw ShellRefusal.NotFound("Course");
        return await access.SeesAsLearnerAsync(viewer, shellId, ct);
    }

    async Task EditorOfAsync(ShellViewer viewer, Guid assignmentId, CancellationToken ct)
    {
        var shellId = await ShellOfAsync(assignmentId, ct) ?? throw ShellRefusal.NotFound("Assignment");
        if (await access.Editable(viewer).AnyAsync(s => s.Id == shellId, ct)) return;
        var visible = await access.Readable(viewer).AnyAsync(s => s.Id == shellId, ct) &&
                      await db.Database.SqlQuery<bool>($"select published as \"Value\" from assignments where id = {assignmentId}").SingleAsync(ct);
        throw visible ? ShellRefusal.Forbidden("Only the course's teachers and administrators see overrides and every student's dates.")
            : ShellRefusal.NotFound("Assignment");
    }

    internal async Task<Guid?> ShellOfAsync(Guid assignmentId, CancellationToken ct) =>
        await db.Database.SqlQuery<Guid?>($"select shell_id as \"Value\" from assignments where id = {assignmentId}").SingleOrDefaultAsync(ct);

    sealed record GroupRow(Guid Id, Guid ShellId, string Name, decimal Weight, int DropLowest, int DropHighest, int Position, int AssignmentCount);

    sealed record NeverDropRow(Guid GroupId, Guid AssignmentId);
}
