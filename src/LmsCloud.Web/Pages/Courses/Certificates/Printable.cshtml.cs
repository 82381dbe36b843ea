using LmsCloud.Core.Learning.Certificates;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses.Certificates;

/// <summary>
/// One certificate to print: its student, or the course's editors (<see cref="CourseCertificates.PrintableAsync"/>; 404 for
/// anyone else). Shows the grouped code and the verification address on this district's host.
/// </summary>
public sealed class PrintableModel(CourseCertificates certificates) : PageModel
{
    public CourseCertificate Certificate { get; private set; } = null!;
    /// <summary>The certificate's title and wording as its template version had them when it was issued.</summary>
    public string Title { get; private set; } = "";
    public string Wording { get; private set; } = "";
    public string VerifyUrl => $"{Request.Scheme}://{Request.Host}/verify/{Certificate.GroupedCode}";

    public async Task<IActionResult> OnGetAsync(Guid certificateId)
    {
        try
        {
            (Certificate, Title, Wording) = await certificates.PrintableAsync(ShellViewer.From(User), certificateId, HttpContext.RequestAborted);
            return Page();
        }
        catch (ShellRefusal) { return NotFound(); }
    }
}
