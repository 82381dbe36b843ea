using System.Text.Json;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Analytics;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Learning.Submissions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages.Courses.Gradebook;

public sealed record HistoryOption(Guid Id, string Name);

/// <summary>
/// The course's grade history (<see cref="GradeHistory"/>, the same query as <c>GET /api/shells/{id}/grade-history</c>):
/// filters by student, assignment, grader, class and a range of days in the district's time zone, newest first, 50 a
/// page, and the same filter as CSV (<see cref="GradeHistoryCsv"/>, the API's file). The shell's editors only (teachers,
/// admins): a student or guardian reads their own history through the API, never everyone's here.
/// </summary>
public sealed class HistoryModel(GradeHistory history, ShellAccess access, LmsDbContext db, DistrictBranding branding) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)] public Guid? StudentId { get; set; }
    [BindProperty(SupportsGet = true)] public Guid? AssignmentId { get; set; }
    [BindProperty(SupportsGet = true)] public Guid? GraderId { get; set; }
    [BindProperty(SupportsGet = true)] public Guid? ClassId { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? From { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? To { get; set; }
    [BindProperty(SupportsGet = true, Name = "page")] public int PageNumber { get; set; } = 1;

    public Guid ShellId { get; private set; }
    public PagedList<GradeHistoryEntry> Entries { get; private set; } = null!;
    public IReadOnlyList<HistoryOption> Students { get; private set; } = [];
    public IReadOnlyList<HistoryOption> Assignments { get; private set; } = [];
    public IReadOnlyList<HistoryOption> Graders { get; private set; } = [];
    public IReadOnlyList<ClassOption> Classes { get; private set; } = [];
    public string? Error { get; private set; }
    public string TimeZone { get; private set; } = "UTC";

    public string CsvUrl => $"/courses/{ShellId}/gradebook/history" + QueryString.Create(Filters.Where(f => !string.IsNullOrEmpty(f.Value))
        .Append(new KeyValuePair<string, string?>("handler", "csv")));

    public Dictionary<string, string?> Filters => new()
    {
        ["studentId"] = StudentId?.ToString(), ["assignmentId"] = AssignmentId?.ToString(), ["graderId"] = GraderId?.ToString(),
        ["classId"] = ClassId?.ToString(), ["from"] = From?.ToString("yyyy-MM-dd"), ["to"] = To?.ToString("yyyy-MM-dd"),
    };

    public Pager Pager => new($"/courses/{ShellId}/gradebook/history", Entries.Page, Entries.PageSize, Entries.Total, Filters);

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;

    public async Task<IActionResult> OnGetAsync(Guid id)
    {
        ShellId = id;
        if (await RefusedAsync(id) is { } refused) return refused;
        await LoadOptionsAsync(id);
        TimeZone = (await branding.CurrentAsync()).TimeZone;
        if (From > To)
        {
            Error = "The first day must not be after the last day.";
            Entries = new PagedList<GradeHistoryEntry>([], 1, PageSize, 0);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        var query = await history.QueryAsync(Viewer, id, await FilterAsync(), Ct);
        Entries = await PagedList.CreateAsync(query, Math.Max(1, PageNumber), PageSize, e => e, Ct);
        return Page();
    }

    /// <summary>Every change the filter keeps (no paging), as the API's CSV.</summary>
    public async Task<IActionResult> OnGetCsvAsync(Guid id)
    {
        if (await RefusedAsync(id) is { } refused) return refused;
        if (From > To) return BadRequest();
        var query = await history.QueryAsync(Viewer, id, await FilterAsync(), Ct);
        // Streamed as read, like the audit CSV: a long history is never held in memory.
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"grade-history-{id}.csv\"";
        Response.Headers.CacheControl = "no-cache, no-store";
        await GradeHistoryCsv.WriteAsync(Response.Body, query.AsAsyncEnumerable(), Ct);
        return new EmptyResult();
    }

    /// <summary>A value as the history row shows it: one field's value alone, several as "name value", none as a dash.</summary>
    public static string Values(string? json)
    {
        if (json == null) return "—";
        using var doc = JsonDocument.Parse(json);
        static string One(JsonElement v) => v.ValueKind switch
        {
            JsonValueKind.Null => "none", JsonValueKind.True => "yes", JsonValueKind.False => "no",
            JsonValueKind.String => v.GetString()!, _ => v.GetRawText(),
        };
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) return One(root);
        var fields = root.EnumerateObject().ToList();
        return fields.Count switch
        {
            0 => "—",
            1 => One(fields[0].Value),
            _ => string.Join(", ", fields.Select(f => $"{f.Name} {One(f.Value)}")),
        };
    }

    async Task<IActionResult?> RefusedAsync(Guid id)
    {
        if (await access.Editable(Viewer).AnyAsync(s => s.Id == id, Ct)) return null;
        return StatusCode(await access.Readable(Viewer).AnyAsync(s => s.Id == id, Ct) ? 403 : 404);
    }

    async Task<GradeHistoryFilter> FilterAsync()
    {
        TimeZone = (await branding.CurrentAsync()).TimeZone;
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var found) ? found : TimeZoneInfo.Utc;
        return new GradeHistoryFilter(StudentId, AssignmentId, GraderId, ClassId,
            From is { } f ? AuditQuery.StartOfDay(f, zone) : null,
            To is { } t ? AuditQuery.StartOfDay(t.AddDays(1), zone) : null); // "to" is the whole of that day
    }

    async Task LoadOptionsAsync(Guid id)
    {
        var tenant = db.TenantId ?? throw new InvalidOperationException("No district for this request.");
        // The course's students now, and anyone the history names (a student who left, a grader): the filters offer what exists.
        Students = await db.Database.SqlQuery<HistoryOption>($"""
            select u.id as "Id", coalesce(nullif(trim(coalesce(u.family_name, '') || ', ' || coalesce(u.given_name, '')), ','), u.display_name) as "Name"
            from users u
            where u.tenant_id = {tenant} and (u.id in (select g.student_id from grade_changes g where g.tenant_id = {tenant} and g.shell_id = {id})
               or u.id in (select e.user_id from course_shell_classes sc
                           join enrollments e on e.tenant_id = sc.tenant_id and e.class_id = sc.class_id and e.role = 'student' and e.status = 'active'
                           where sc.tenant_id = {tenant} and sc.shell_id = {id}))
            order by u.family_name, u.given_name, u.id
            """).ToListAsync(Ct);
        Assignments = await db.Database.SqlQuery<HistoryOption>($"""
            select a.id as "Id", a.title as "Name" from assignments a
            where a.tenant_id = {tenant} and a.shell_id = {id} order by a.title, a.id
            """).ToListAsync(Ct);
        Graders = await db.Database.SqlQuery<HistoryOption>($"""
            select u.id as "Id", u.display_name as "Name" from users u
            where u.tenant_id = {tenant} and u.id in (select g.grader_id from grade_changes g where g.tenant_id = {tenant} and g.shell_id = {id})
            order by u.display_name, u.id
            """).ToListAsync(Ct);
        Classes = await (from l in db.Set<CourseShellClass>()
                         join c in db.RosterClasses on l.ClassId equals c.Id
                         where l.ShellId == id
                         orderby c.Title, c.Id
                         select new ClassOption(c.Id, c.Title)).ToListAsync(Ct);
    }
}
