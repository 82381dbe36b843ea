using LmsCloud.Core.Learning.Certificates;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses.Certificates;

/// <summary>"My certificates": the signed-in person's own completion certificates (<see cref="CourseCertificates.MineAsync"/>).</summary>
public sealed class MineModel(CourseCertificates certificates) : PageModel
{
    public IReadOnlyList<CourseCertificate> Certificates { get; private set; } = [];

    public async Task OnGetAsync() => Certificates = await certificates.MineAsync(ShellViewer.From(User), HttpContext.RequestAborted);
}
