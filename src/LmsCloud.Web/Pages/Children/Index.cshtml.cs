using LmsCloud.Core.Compliance;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Web.Pages.Courses;
using LmsCloud.Core.Rostering;
using LmsCloud.Core.Users;
using LmsCloud.Web.Pages.Compliance.Requests;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Children;

/// <summary>
/// "My children" of a guardian: the same data as <c>GET /api/me/children</c>, and per child a request for a copy of their
/// records (an export request; <see cref="ComplianceRequests.CreateAsync"/> allows a guardian only their own child).
/// </summary>
[Authorize(Roles = Roles.Guardian)]
public sealed class MyChildrenModel(MyRoster roster, ComplianceRequests requests, CourseProgress progress) : PageModel
{
    public IReadOnlyList<ChildResponse> Children { get; private set; } = [];
    /// <summary>The child whose request was refused, and why (an open one exists already).</summary>
    public (Guid ChildId, string Message)? RequestError { get; private set; }

    /// <summary>Each child's published courses with the child's progress (<see cref="CourseProgress.ChildCoursesAsync"/>).</summary>
    public Dictionary<Guid, List<ChildCourse>> Courses { get; } = [];

    public async Task OnGetAsync()
    {
        Children = await roster.ChildrenAsync(Guid.Parse(User.FindFirst("sub")!.Value), HttpContext.RequestAborted);
        var viewer = ShellViewer.From(User);
        foreach (var child in Children)
            if (await progress.ChildCoursesAsync(viewer, child.Id, HttpContext.RequestAborted) is { } found) Courses[child.Id] = found.Courses;
    }

    public async Task<IActionResult> OnPostRequestCopyAsync(Guid childId)
    {
        var outcome = await requests.CreateAsync(new NewComplianceRequest(RequestTypes.Export, childId,
            "Requested by the guardian on the My children page."), RequestText.CallerOf(User), HttpContext.RequestAborted);
        if (outcome.Request is { } created) return Redirect($"/children/requests?created={created.Id}");
        var error = outcome.Error!;
        // Not their child (a forged form): refused outright, as the API's 403.
        if (error.Kind is RequestErrorKind.Forbidden or RequestErrorKind.Validation) return Forbid();
        RequestError = (childId, "You have asked for a copy of these records already and the request is still open; " +
                                 "it is listed under My requests.");
        Response.StatusCode = StatusCodes.Status409Conflict;
        await OnGetAsync();
        return Page();
    }
}
