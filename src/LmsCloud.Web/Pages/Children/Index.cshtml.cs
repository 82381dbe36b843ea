using LmsCloud.Core.Rostering;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Children;

/// <summary>"My children" of a guardian: the same data as <c>GET /api/me/children</c>.</summary>
[Authorize(Roles = Roles.Guardian)]
public sealed class MyChildrenModel(MyRoster roster) : PageModel
{
    public IReadOnlyList<ChildResponse> Children { get; private set; } = [];

    public async Task OnGetAsync() =>
        Children = await roster.ChildrenAsync(Guid.Parse(User.FindFirst("sub")!.Value), HttpContext.RequestAborted);
}
