using LmsCloud.Core.Compliance;
using LmsCloud.Core.Database;
using LmsCloud.Web.Pages.Imports;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Compliance.Requests;

/// <summary>
/// The district's compliance requests, newest first, paged and filtered by state, type and overdue, through
/// <see cref="ComplianceRequests.Query"/> (as <c>GET /api/compliance/requests</c>). Officers and district admins read it.
/// </summary>
public sealed class IndexModel(ComplianceRequests requests, LmsDbContext db, TimeProvider clock) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)] public string? State { get; set; }
    [BindProperty(SupportsGet = true)] public string? Type { get; set; }
    /// <summary><c>yes</c>, <c>no</c> or empty (either).</summary>
    [BindProperty(SupportsGet = true)] public string? Overdue { get; set; }

    public PagedList<ComplianceRequestView> Requests { get; private set; } = new([], 1, PageSize, 0);
    public Dictionary<Guid, RequestPerson> People { get; private set; } = [];
    public Pager Pager { get; private set; } = null!;
    public bool CanCreate => User.IsInRole(Core.Users.Roles.ComplianceOfficer);

    /// <summary><c>page</c> from the query alone: in Razor Pages the route value of that name is the page's own name.</summary>
    public async Task OnGetAsync([FromQuery(Name = "page")] int page = 1)
    {
        // An unknown filter value (an edited address) means no filter, as the select would show it.
        if (State != null && !RequestStates.All.Contains(State)) State = null;
        if (Type != null && !RequestTypes.All.Contains(Type)) Type = null;
        if (Overdue is not ("yes" or "no")) Overdue = null;
        var now = clock.GetUtcNow();
        var query = requests.Query(new RequestFilter(State, Type, Overdue switch { "yes" => true, "no" => false, _ => null }), now);
        Requests = await PagedList.CreateAsync(query, Math.Max(1, page), PageSize, r => ComplianceRequestView.From(r, now), HttpContext.RequestAborted);
        People = await RequestText.PeopleAsync(db, Requests.Items.SelectMany(RequestText.IdsOf), HttpContext.RequestAborted);
        Pager = new Pager("/compliance/requests", Requests.Page, PageSize, Requests.Total,
            new Dictionary<string, string?> { ["state"] = State, ["type"] = Type, ["overdue"] = Overdue });
    }

    public string Subject(ComplianceRequestView r) =>
        r.SubjectUserId is not { } id ? "Whole district" : People.TryGetValue(id, out var person) ? person.ToString() : "an erased person";
}
