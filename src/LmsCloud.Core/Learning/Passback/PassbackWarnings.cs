using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Passback;

/// <summary>
/// One thing a SIS commonly rejects or that will not be sent. <c>Severity</c>: <c>error</c> (the SIS is expected to
/// refuse the line item), <c>warning</c> (some SIS refuse it), <c>info</c> (not sent, by design). <c>AssignmentId</c> /
/// <c>ClassId</c> name what it is about (one of them, or both).
/// </summary>
public sealed record PassbackWarning(string Code, string Severity, string Message, Guid? AssignmentId, string? Title, Guid? ClassId);

/// <summary>
/// Pre-flight checks before grades go to the SIS (docs/passback.md, "Warnings"), over the shell's published assignments
/// with passback on and the classes it serves, as one statement per kind. The limits are those SIS integrations
/// document: OneRoster requires a due date; PowerSchool's PowerTeacher Pro sync refuses titles over 30 characters
/// and wants whole-number points and a due date inside the class's term; nearly every SIS stores at most 255
/// characters of a title; a line item worth 0 points cannot be scored.
/// </summary>
public sealed class PassbackWarnings(LmsDbContext db, ShellAccess access)
{
    public const int TitleLimit = 255;
    public const int ShortTitleLimit = 30;

    public async Task<IReadOnlyList<PassbackWarning>> ListAsync(ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        await PassbackAccess.EditableAsync(access, viewer, shellId, ct);
        var tenant = db.TenantId ?? throw new InvalidOperationException("No district for this request.");
        var rows = await db.Database.SqlQuery<Row>($"""
            select a.id as "Id", a.title as "Title", a.points_possible as "Points", a.due_at as "DueAt", a.grading_type as "GradingType",
                   a.omit_from_final as "Omitted", (a.post_manually and a.grades_posted_at is null) as "Unposted"
            from assignments a
            where a.tenant_id = {tenant} and a.shell_id = {shellId} and a.published and a.passback
            order by a.due_at nulls first, a.title, a.id
            """).ToListAsync(ct);
        // Per (assignment, class): the class's own due date (a section override wins) against the class's terms.
        var dates = await db.Database.SqlQuery<ClassDue>($"""
            select a.id as "AssignmentId", c.id as "ClassId", c.title as "ClassTitle",
                   case when o.id is null then a.due_at else o.due_at end as "DueAt",
                   (select min(t.start_date) from academic_sessions t where t.tenant_id = c.tenant_id and t.id = any (c.term_ids)) as "TermStart",
                   (select max(t.end_date) from academic_sessions t where t.tenant_id = c.tenant_id and t.id = any (c.term_ids)) as "TermEnd"
            from assignments a
            join course_shell_classes sc on sc.tenant_id = a.tenant_id and sc.shell_id = a.shell_id
            join classes c on c.tenant_id = sc.tenant_id and c.id = sc.class_id and c.status = 'active'
            left join assignment_overrides o on o.tenant_id = a.tenant_id and o.assignment_id = a.id and o.class_id = c.id
            where a.tenant_id = {tenant} and a.shell_id = {shellId} and a.published and a.passback
            """).ToListAsync(ct);
        var unmatched = await db.Database.SqlQuery<ClassRow>($"""
            select c.id as "Id", c.title as "Title"
            from course_shell_classes sc join classes c on c.tenant_id = sc.tenant_id and c.id = sc.class_id and c.status = 'active'
            where sc.tenant_id = {tenant} and sc.shell_id = {shellId}
              and not exists (select 1 from external_ids x where x.tenant_id = c.tenant_id and x.internal_id = c.id and x.entity_type = 'classes')
            order by c.title
            """).ToListAsync(ct);

        var warnings = new List<PassbackWarning>();
        foreach (var c in unmatched)
            warnings.Add(new("class_without_sourcedid", "error",
                $"The class {c.Title} has no SIS sourcedId (it was not imported from the SIS), so the SIS cannot match its line items.", null, null, c.Id));
        foreach (var a in rows)
        {
            void Add(string code, string severity, string message, Guid? classId = null) => warnings.Add(new(code, severity, message, a.Id, a.Title, classId));
            if (a.GradingType == "not_graded") { Add("not_sent_not_graded", "info", "A not-graded assignment is never sent."); continue; }
            if (a.Omitted) { Add("not_sent_omitted", "info", "Omitted from the final grade, so it is not sent."); continue; }
            if (a.Title.Length > TitleLimit)
                Add("title_too_long", "error", $"The title is {a.Title.Length} characters; SIS gradebooks store at most {TitleLimit}.");
            else if (a.Title.Length > ShortTitleLimit)
                Add("title_long", "warning", $"The title is {a.Title.Length} characters; some SIS (PowerTeacher Pro) refuse more than {ShortTitleLimit}.");
            if (a.Points == 0) Add("points_zero", "error", "Worth 0 points: the SIS cannot score it (resultValueMax 0).");
            else if (a.Points != decimal.Truncate(a.Points)) Add("points_fractional", "warning", $"Worth {a.Points} points; some SIS accept whole points only.");
            if (a.Unposted) Add("unposted", "info", "Grades are not posted yet: its results are held back until they are.");
            foreach (var d in dates.Where(d => d.AssignmentId == a.Id))
            {
                if (d.DueAt == null)
                    Add("no_due_date", "error", $"No due date in {d.ClassTitle}: OneRoster requires a line item's due date and SIS refuse one without.", d.ClassId);
                else if (d.TermStart is { } start && d.TermEnd is { } end)
                {
                    var day = DateOnly.FromDateTime(d.DueAt.Value.UtcDateTime);
                    if (day < start || day > end)
                        Add("due_outside_term", "warning", $"Due {day:yyyy-MM-dd}, outside the term of {d.ClassTitle} ({start:yyyy-MM-dd} to {end:yyyy-MM-dd}).", d.ClassId);
                }
            }
        }
        return warnings;
    }

    sealed record Row(Guid Id, string Title, decimal Points, DateTimeOffset? DueAt, string GradingType, bool Omitted, bool Unposted);
    sealed record ClassDue(Guid AssignmentId, Guid ClassId, string ClassTitle, DateTimeOffset? DueAt, DateOnly? TermStart, DateOnly? TermEnd);
    sealed record ClassRow(Guid Id, string Title);
}
