using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages.Admin.Users;

/// <summary>The district's users, searched and paged through <see cref="UserAdministration.Search"/> (as <c>GET /api/users</c>).</summary>
public sealed class IndexModel(UserAdministration admin, TimeProvider clock) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public string? Role { get; set; }
    /// <summary><c>locked</c>, <c>active</c> or empty (anyone).</summary>
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    public int PageNumber { get; private set; } = 1;

    public IReadOnlyList<User> Users { get; private set; } = [];
    public int Total { get; private set; }
    public DateTimeOffset Now { get; private set; }
    public string? Error { get; private set; }

    /// <summary><c>page</c> from the query alone: in Razor Pages the route value of that name is the page's own name.</summary>
    public async Task OnGetAsync([FromQuery(Name = "page")] int page = 1)
    {
        if (Q?.Contains('\0') == true) // PostgreSQL text cannot hold NUL: say so rather than fail
        {
            Error = "The search may not contain NUL (U+0000).";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        PageNumber = Math.Max(1, page);
        Now = clock.GetUtcNow();
        var query = admin.Search(new UserSearch(Q, Role, Status switch { "locked" => true, "active" => false, _ => null }));
        Total = await query.CountAsync(HttpContext.RequestAborted);
        var offset = (long)(PageNumber - 1) * PageSize;
        Users = offset >= Total ? [] : await query.Skip((int)offset).Take(PageSize).ToListAsync(HttpContext.RequestAborted);
    }

    public bool HasPrevious => PageNumber > 1;
    public bool HasNext => (long)PageNumber * PageSize < Total;

    /// <summary>This list's address at another page, keeping the filters.</summary>
    public string PageUrl(int page) => "/admin/users" + QueryString.Create(new Dictionary<string, string?>
    {
        ["q"] = Q, ["role"] = Role, ["status"] = Status, ["page"] = page.ToString(),
    }.Where(p => !string.IsNullOrEmpty(p.Value)));
}
