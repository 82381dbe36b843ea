using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses.Work;

/// <summary>
/// A student's to-do: the published assignments of every course they take (or of one, <c>?course=</c>), by their own
/// due date, each saying in words whether it is handed in, late, missing or closed (<see cref="StudentWork.ToDoAsync"/>).
/// </summary>
[Authorize(Roles = Roles.Student)]
public sealed class ToDoModel(StudentWork work) : PageModel
{
    public IReadOnlyList<ToDoItem> Items { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }
    public Guid? Course { get; private set; }

    public async Task OnGetAsync(Guid? course)
    {
        (Now, Course) = (DateTimeOffset.UtcNow, course);
        Items = await work.ToDoAsync(ShellViewer.From(User), course, Now, HttpContext.RequestAborted);
    }
}
