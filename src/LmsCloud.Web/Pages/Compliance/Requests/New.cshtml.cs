using LmsCloud.Core.Compliance;
using LmsCloud.Core.Database;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages.Compliance.Requests;

/// <summary>
/// A compliance officer's new request: the type, the person it is about (found by name, email, user name or SIS id; none
/// for a district export) and a comment, created by <see cref="ComplianceRequests.CreateAsync"/> (as
/// <c>POST /api/compliance/requests</c>). A second open request for the same subject and type links to the first.
/// </summary>
public sealed class NewModel(ComplianceRequests requests, UserAdministration users, LmsDbContext db) : PageModel
{
    public const int MaxMatches = 20;

    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public string? Type { get; set; }
    [BindProperty] public Guid? SubjectId { get; set; }
    [BindProperty] public string? Comment { get; set; }

    public List<(Guid Id, RequestPerson Person, string? Email)> Matches { get; private set; } = [];
    public bool MoreMatches { get; private set; }
    public Dictionary<string, string> Errors { get; } = [];
    public Guid? ExistingId { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (!User.IsInRole(Roles.ComplianceOfficer)) return Forbid();
        await SearchAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!User.IsInRole(Roles.ComplianceOfficer)) return Forbid();
        // A district export is about nobody in particular: a person picked before switching the type does not count.
        var subject = Type == RequestTypes.DistrictExport ? null : SubjectId;
        var outcome = await requests.CreateAsync(new NewComplianceRequest(Type, subject, Comment), RequestText.CallerOf(User), HttpContext.RequestAborted);
        if (outcome.Request is { } created) return Redirect($"/compliance/requests/{created.Id}?done=created");
        var error = outcome.Error!;
        Errors[error.Field ?? "request"] = error.Kind == RequestErrorKind.OpenRequestExists
            ? $"An open request of this type ({RequestText.Type(Type!).ToLowerInvariant()}) for this {(subject == null ? "district" : "person")} exists already: work on it, or cancel it first."
            : error.Message;
        ExistingId = error.ExistingId;
        Response.StatusCode = error.Kind switch
        {
            RequestErrorKind.OpenRequestExists => StatusCodes.Status409Conflict,
            RequestErrorKind.Forbidden => StatusCodes.Status403Forbidden,
            _ => StatusCodes.Status400BadRequest,
        };
        await SearchAsync();
        return Page();
    }

    public string? ErrorOf(string field) => Errors.GetValueOrDefault(field);

    /// <summary>People whose name, email or user name contains the text, and whoever has it as their SIS sourcedId.</summary>
    async Task SearchAsync()
    {
        var ct = HttpContext.RequestAborted;
        var text = Q?.Trim();
        if (string.IsNullOrEmpty(text)) return;
        if (text.Contains('\0'))
        {
            Errors["q"] = "The search may not contain NUL (U+0000).";
            return;
        }
        var bySisId = await db.Database.SqlQuery<Guid>($"""
            select internal_id as "Value" from external_ids where entity_type = 'users' and external_id = {text}
            """).ToListAsync(ct);
        var found = await users.Search(new UserSearch(text)).Select(u => new { u.Id, u.Email, u.UserName }).Take(MaxMatches + 1).ToListAsync(ct);
        var extra = await db.Users.AsNoTracking().Where(u => bySisId.Contains(u.Id)).Select(u => new { u.Id, u.Email, u.UserName }).ToListAsync(ct);
        var all = extra.Concat(found).DistinctBy(u => u.Id).ToList();
        MoreMatches = all.Count > MaxMatches;
        all = all.Take(MaxMatches).ToList();
        var people = await RequestText.PeopleAsync(db, all.Select(u => (Guid?)u.Id), ct);
        Matches = all.Where(u => people.ContainsKey(u.Id)).Select(u => (u.Id, people[u.Id], (string?)(u.Email ?? u.UserName))).ToList();
    }
}
