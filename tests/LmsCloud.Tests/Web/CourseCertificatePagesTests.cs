using LmsCloud.Core.Districts;
using LmsCloud.Core.Learning.Certificates;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Learning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LmsCloud.Tests.Web;

/// <summary>
/// The certificate pages in Chromium over an imported northwind-1.1-bulk: the public /verify page (valid, revoked,
/// unknown, another district's code: the same not-found page), the student's "My certificates" and printable
/// certificate, and the teacher's settings (a new wording version) and revoke form (reason required, in place); a
/// student refused the teacher's page. axe on every page.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class CourseCertificatePagesTests(BrowserFixture web)
{
    /// <summary>A published shell with the published must-view lesson "Intro"; returns the lesson's page.</summary>
    async Task<string> PublishedLessonAsync(ShellTestDistrict d, Guid shell) => await web.AsTeacherAsync(d, "nw-t-001", async (editing, teacher) =>
    {
        var module = await editing.CreateModuleAsync(teacher, shell, new ModuleInput("Week 1", null, null, null, null), default);
        var item = await editing.CreateItemAsync(teacher, shell, module.Id,
            new ItemInput(ContentKind.Lesson, "Intro", null, "# Hello\n\nFirst lesson.", CompletionRequirement.MustView, null), null, default);
        await editing.PublishAsync(teacher, shell, item.Id, true, null, default);
        await editing.SetStatusAsync(teacher, shell, ShellStatus.Published, default);
        return $"/courses/{shell}/items/{item.Id}";
    });

    Task<T> CertificatesAsTeacherAsync<T>(ShellTestDistrict d, Func<CourseCertificates, ShellViewer, Task<T>> work) =>
        web.AsTeacherAsync(d, "nw-t-001", async (_, teacher) =>
        {
            var district = new District(d.District.Id, d.District.Slug, d.District.Name, DistrictStatus.Active);
            return await DistrictScope.RunAsync(web.Api.Services, district, scope => work(scope.GetRequiredService<CourseCertificates>(), teacher));
        });

    [Fact]
    public async Task The_verify_page_shows_name_course_and_date_then_revoked_and_the_same_not_found_for_unknown_and_other_districts_codes()
    {
        var d = await ShellTestDistrict.CreateAsync(web.Api);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var lesson = await PublishedLessonAsync(d, shell);
        await CertificatesAsTeacherAsync(d, (c, t) => c.SaveSettingsAsync(t, shell, new CertificateSettingsRequest(true, "Algebra I", "", null), default));
        var student = await web.SignedInAsync(d.District, "nw-s-001");
        await student.GotoAsync(web.Url(d.District.Slug, lesson)); // the view completes the only required item: issued
        var studentId = await d.IdAsync("users", "nw-s-001");
        var name = await d.ScalarAsync<string>("select display_name from users where id = $1", studentId);
        var courseTitle = await d.ScalarAsync<string>("select title from course_shells where id = $1", shell);
        var (id, code) = await CertificatesAsTeacherAsync(d, async (c, t) =>
        {
            var one = Assert.Single(await c.ForShellAsync(t, shell, default));
            return (one.Id, one.GroupedCode);
        });

        // Anonymous, on the district's host: name, course, date; nothing else of the record (no code, no email, no reason).
        var visitor = await web.NewPageAsync(360);
        var valid = await visitor.GotoAsync(web.Url(d.District.Slug, $"/verify/{code}"));
        Assert.Equal(200, valid!.Status);
        await Expect(visitor.GetByRole(AriaRole.Heading, new() { Name = "Certificate verification", Level = 1 })).ToBeVisibleAsync();
        await Expect(visitor.Locator("#verify-name")).ToHaveTextAsync(name);
        await Expect(visitor.Locator("#verify-course")).ToHaveTextAsync(courseTitle);
        await Expect(visitor.Locator("#verify-date")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d{1,2} \w+ \d{4}$"));
        await Expect(visitor.Locator("#verify-valid")).ToHaveTextAsync("This certificate is valid.");
        await Expect(visitor.Locator("main")).Not.ToContainTextAsync(code);
        await BrowserFixture.AssertAccessibleAsync(visitor);
        await CoursePageSessions.AssertFitsAsync(visitor);
        // The code as typed by hand: lower case, no dashes.
        Assert.Equal(200, (await visitor.GotoAsync(web.Url(d.District.Slug, $"/verify/{code.Replace("-", "").ToLowerInvariant()}")))!.Status);

        await CertificatesAsTeacherAsync(d, (c, t) => c.RevokeAsync(t, id, "Awarded in error", default));
        await visitor.GotoAsync(web.Url(d.District.Slug, $"/verify/{code}"));
        await Expect(visitor.Locator("#verify-revoked")).ToContainTextAsync("Revoked on ");
        await Expect(visitor.Locator("#verify-valid")).ToHaveCountAsync(0);
        await Expect(visitor.Locator("main")).Not.ToContainTextAsync("Awarded in error");
        await BrowserFixture.AssertAccessibleAsync(visitor);

        // Unknown and another district's code: the same page, the same words, 404.
        var unknown = await visitor.GotoAsync(web.Url(d.District.Slug, "/verify/0000-0000-0000-0000-0000-0000-0000-0000"));
        Assert.Equal(404, unknown!.Status);
        var notFound = await visitor.Locator("main").InnerTextAsync();
        Assert.Contains("Certificate not found", notFound);
        await BrowserFixture.AssertAccessibleAsync(visitor);
        var other = await web.CreateDistrictAsync("Other District");
        var elsewhere = await visitor.GotoAsync(web.Url(other.Slug, $"/verify/{code}"));
        Assert.Equal(404, elsewhere!.Status);
        Assert.Equal(notFound, await visitor.Locator("main").InnerTextAsync());
        Assert.Equal(404, (await visitor.GotoAsync(web.Url(d.District.Slug, "/verify/not-a-code")))!.Status);
    }

    [Fact]
    public async Task A_teacher_sets_up_certificates_the_student_prints_theirs_and_the_teacher_revokes_it_with_a_reason()
    {
        var d = await ShellTestDistrict.CreateAsync(web.Api);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var lesson = await PublishedLessonAsync(d, shell);
        var course = $"/courses/{shell}";

        // The teacher: course page -> Certificates; issuing on with a title, then a new wording (version 2).
        var teacher = await web.SignedInAsync(d.District, "nw-t-001");
        await teacher.GotoAsync(web.Url(d.District.Slug, course));
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Certificates", Exact = true }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Heading, new() { Name = "Certificates", Level = 1 })).ToBeVisibleAsync();
        await Expect(teacher.Locator("#issued-certificates li")).ToHaveCountAsync(0);
        await BrowserFixture.AssertAccessibleAsync(teacher);
        // Too long a title: the error next to the field, nothing saved.
        await teacher.GetByLabel("Issue certificates for this course").CheckAsync();
        await teacher.GetByLabel("Certificate title").EvaluateAsync("e => { e.removeAttribute('maxlength'); e.value = 'x'.repeat(201); }");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Save the settings" }).ClickAsync();
        await Expect(teacher.Locator("#title-error")).ToHaveTextAsync("The certificate's title is at most 200 characters.");
        await BrowserFixture.AssertAccessibleAsync(teacher);
        await teacher.GetByLabel("Certificate title").FillAsync("Algebra I");
        await teacher.GetByLabel("Wording").FillAsync("For completing every lesson.");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Save the settings" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Status)).ToHaveTextAsync("The settings are saved.");
        await Expect(teacher.Locator("#settings-heading + p")).ToContainTextAsync("version 1");
        await teacher.GetByLabel("Wording").FillAsync("For completing every lesson of Algebra I.");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Save the settings" }).ClickAsync();
        await Expect(teacher.Locator("#settings-heading + p")).ToContainTextAsync("version 2");
        await Expect(teacher.GetByLabel("Issue certificates for this course")).ToBeCheckedAsync();

        // The student completes the course, finds the certificate under My courses -> My certificates, opens it.
        var student = await web.SignedInAsync(d.District, "nw-s-001", width: 360);
        await student.GotoAsync(web.Url(d.District.Slug, "/courses/certificates"));
        await Expect(student.Locator("main")).ToContainTextAsync("You have no certificates yet.");
        await student.GotoAsync(web.Url(d.District.Slug, lesson));
        await student.GotoAsync(web.Url(d.District.Slug, "/courses"));
        await student.GetByRole(AriaRole.Link, new() { Name = "My certificates" }).ClickAsync();
        await Expect(student.Locator("#my-certificates li")).ToHaveCountAsync(1);
        await BrowserFixture.AssertAccessibleAsync(student);
        await CoursePageSessions.AssertFitsAsync(student);
        await student.Locator("#my-certificates a").ClickAsync();
        var name = await d.ScalarAsync<string>("select display_name from users where id = $1", await d.IdAsync("users", "nw-s-001"));
        await Expect(student.Locator("#certificate-heading")).ToHaveTextAsync(name);
        // Title and wording of version 2, the one in force when it was issued.
        await Expect(student.Locator("#certificate-title")).ToHaveTextAsync("Algebra I");
        await Expect(student.Locator("#certificate-wording")).ToHaveTextAsync("For completing every lesson of Algebra I.");
        var code = await student.Locator("#certificate-code").InnerTextAsync();
        Assert.Matches("^[0-9A-F]{4}(-[0-9A-F]{4}){7}$", code);
        await Expect(student.Locator("#certificate-verify")).ToHaveTextAsync(web.Url(d.District.Slug, $"/verify/{code}"));
        await BrowserFixture.AssertAccessibleAsync(student);
        await CoursePageSessions.AssertFitsAsync(student);
        // Printed: only the certificate, no navigation.
        await student.EmulateMediaAsync(new() { Media = Media.Print });
        await Expect(student.Locator("nav[aria-label='Main']")).ToBeHiddenAsync();
        await Expect(student.Locator("#certificate")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(student, "certificate-print");
        await student.EmulateMediaAsync(new() { Media = Media.Screen });
        var printable = student.Url;
        // The teacher's page is not the student's: 403; the verify link works for anyone.
        Assert.Equal(403, (await student.GotoAsync(web.Url(d.District.Slug, $"{course}/certificates")))!.Status);
        Assert.Equal(403, await CoursePageSessions.PostWithTokenAsync(student, $"{course}/certificates?handler=settings", "issues=false"));

        // The teacher revokes: an empty reason is refused in place, then with a reason it is revoked.
        await teacher.GotoAsync(web.Url(d.District.Slug, $"{course}/certificates"));
        await Expect(teacher.Locator("#issued-certificates li")).ToHaveCountAsync(1);
        var revoke = teacher.GetByRole(AriaRole.Form, new() { Name = $"Revoke the certificate of {name}" });
        await revoke.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Expect(teacher.Locator(".field-error")).ToHaveTextAsync("Say why the certificate is revoked.");
        await BrowserFixture.AssertAccessibleAsync(teacher);
        await teacher.GetByLabel("Reason for revoking").FillAsync("Awarded in error");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Status)).ToHaveTextAsync("The certificate is revoked.");
        await Expect(teacher.Locator("#issued-certificates")).ToContainTextAsync("Awarded in error");
        await Expect(teacher.GetByRole(AriaRole.Button, new() { Name = "Revoke" })).ToHaveCountAsync(0);
        await BrowserFixture.AssertAccessibleAsync(teacher);
        Assert.Equal(1, await d.ScalarAsync<long>("select count(*) from audit_events where action = 'course_certificate.revoked'"));
        // Revoking again (a second tab): 409, the page says so, still one audit event.
        var certificateId = printable[(printable.LastIndexOf('/') + 1)..];
        Assert.Equal(409, await CoursePageSessions.PostWithTokenAsync(teacher, $"{course}/certificates?handler=revoke",
            $"certificateId={certificateId}&reason=again"));
        Assert.Equal(1, await d.ScalarAsync<long>("select count(*) from audit_events where action = 'course_certificate.revoked'"));

        // The student's list and printable page say so; the public page too.
        await student.GotoAsync(printable);
        await Expect(student.Locator("#certificate-revoked")).ToBeVisibleAsync();
        await student.GotoAsync(web.Url(d.District.Slug, "/courses/certificates"));
        await Expect(student.Locator("#my-certificates")).ToContainTextAsync("Revoked");
        var visitor = await web.NewPageAsync();
        await visitor.GotoAsync(web.Url(d.District.Slug, $"/verify/{code}"));
        await Expect(visitor.Locator("#verify-revoked")).ToContainTextAsync("Revoked on ");
        // A classmate cannot open this certificate; another course's teacher sees neither the certificate nor the course's page.
        var other = await web.SignedInAsync(d.District, "nw-s-002");
        Assert.Equal(404, (await other.GotoAsync(printable))!.Status);
        var otherTeacher = await web.SignedInAsync(d.District, "nw-t-002");
        Assert.Equal(404, (await otherTeacher.GotoAsync(printable))!.Status);
        Assert.Equal(404, (await otherTeacher.GotoAsync(web.Url(d.District.Slug, $"{course}/certificates")))!.Status);
    }
}
