using LmsCloud.Core.Districts;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Tests.Learning;
using LmsCloud.Tests.Rostering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LmsCloud.Tests.Web;

/// <summary>
/// The course pages in Chromium over an imported northwind-1.1-bulk (every class has a shell): a teacher builds and
/// publishes a lesson with hostile Markdown, edits it into version 2 and compares versions, while the student (at 360 px)
/// sees only the published, sanitised version; locks by prerequisite and unlock date; forged POSTs and other classes'
/// and districts' courses refused; an archived course is read-only. axe on every page.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class CoursePagesTests(BrowserFixture web)
{
    const string Hostile = "# Fractions\n\n<script>window.hacked = 1</script>\n\n[click me](javascript:alert(1)) and <a href=\"JaVaScRiPt:alert(2)\">me</a>\n\n" +
                           "<img src=x alt=\"broken\" onerror=\"window.hacked = 2\">\n\nVersion one text.";

    Task<IPage> SignedInAsync(DistrictSummary district, string sourcedId, int width = 1024) => web.SignedInAsync(district, sourcedId, width);
    static Task<int> PostWithTokenAsync(IPage page, string url, string form) => CoursePageSessions.PostWithTokenAsync(page, url, form);
    static Task AssertFitsAsync(IPage page, int width = 360) => CoursePageSessions.AssertFitsAsync(page, width);
    Task<T> AsTeacherAsync<T>(ShellTestDistrict d, string sourcedId, Func<ShellEditing, ShellViewer, Task<T>> work) => web.AsTeacherAsync(d, sourcedId, work);

    /// <summary>A published shell with module "Week 1" holding the published lesson "Intro" (must view); returns the module.</summary>
    Task<Guid> PublishedLessonAsync(ShellTestDistrict d, Guid shell) => AsTeacherAsync(d, "nw-t-001", async (editing, teacher) =>
    {
        var module = await editing.CreateModuleAsync(teacher, shell, new ModuleInput("Week 1", null, null, null, null), default);
        var item = await editing.CreateItemAsync(teacher, shell, module.Id,
            new ItemInput(ContentKind.Lesson, "Intro", null, "# Hello\n\nFirst lesson.", CompletionRequirement.MustView, null), null, default);
        await editing.PublishAsync(teacher, shell, item.Id, true, null, default);
        await editing.SetStatusAsync(teacher, shell, ShellStatus.Published, default);
        return module.Id;
    });

    [Fact]
    public async Task A_teacher_builds_and_publishes_a_hostile_lesson_the_student_sees_it_safe_and_only_the_published_version()
    {
        var d = await ShellTestDistrict.CreateAsync(web.Api);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var course = $"/courses/{shell}";

        var teacher = await SignedInAsync(d.District, "nw-t-001");
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Courses", Exact = true }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Heading, new() { Name = "My courses", Level = 1 })).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(teacher);
        await teacher.Locator($"a[href='{course}']").ClickAsync();
        await Expect(teacher.Locator("#course-status")).ToHaveTextAsync("Draft");

        // An empty title is a field error next to the field, nothing is added.
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Add the module" }).ClickAsync();
        await Expect(teacher.Locator("#module-title-error")).ToHaveTextAsync("A title is 1 to 300 characters.");
        await teacher.GetByLabel("Module title").FillAsync("Module 1");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Add the module" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Status)).ToHaveTextAsync("The module is added.");
        await teacher.GetByLabel("Module title").FillAsync("Module 2");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Add the module" }).ClickAsync();
        // Module 2 up: it comes first, then back down.
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Move up Module 2" }).ClickAsync();
        await Expect(teacher.Locator(".module h2")).ToHaveTextAsync(["Module 2", "Module 1"]);
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Move down Module 2" }).ClickAsync();
        await Expect(teacher.Locator(".module h2")).ToHaveTextAsync(["Module 1", "Module 2"]);

        await teacher.Locator("summary", new() { HasText = "Add a lesson to Module 1" }).ClickAsync();
        var lessonForm = teacher.GetByRole(AriaRole.Form, new() { Name = "Add a lesson to Module 1" });
        await lessonForm.GetByLabel("Lesson title").FillAsync("Fractions");
        await lessonForm.GetByLabel("Lesson text (Markdown)").FillAsync(Hostile);
        await lessonForm.GetByRole(AriaRole.Button, new() { Name = "Add the lesson" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Status)).ToContainTextAsync("The lesson is added as a draft");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Publish Fractions" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Status)).ToHaveTextAsync("Published: students see it.");
        await teacher.GetByLabel("Change status to").SelectOptionAsync("published");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Change status" }).ClickAsync();
        await Expect(teacher.Locator("#course-status")).ToHaveTextAsync("Published");
        await BrowserFixture.AssertAccessibleAsync(teacher);
        await BrowserFixture.ScreenshotAsync(teacher, "course-teacher");

        // The student, on a phone: the course in "My courses", the lesson rendered with no script and no javascript: link.
        var student = await SignedInAsync(d.District, "nw-s-001", width: 360);
        await student.GotoAsync(web.Url(d.District.Slug, "/courses"));
        await student.Locator($"a[href='{course}']").ClickAsync();
        await Expect(student.Locator(".module h2")).ToHaveTextAsync(["Module 1", "Module 2"]);
        await Expect(student.Locator("main form")).ToHaveCountAsync(0);
        await BrowserFixture.AssertAccessibleAsync(student);
        await AssertFitsAsync(student);
        await student.GetByRole(AriaRole.Link, new() { Name = "Fractions" }).ClickAsync();
        var body = student.Locator("#lesson-body");
        await Expect(body).ToContainTextAsync("Version one text.");
        await Expect(body.GetByRole(AriaRole.Heading, new() { Name = "Fractions" })).ToBeVisibleAsync();
        await Expect(body.Locator("script")).ToHaveCountAsync(0);
        Assert.Equal(0, await student.EvaluateAsync<int>(
            "[...document.querySelectorAll('[href]')].filter(e => e.getAttribute('href').trim().toLowerCase().startsWith('javascript:')).length"));
        Assert.Equal(0, await student.EvaluateAsync<int>("[...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length"));
        Assert.True(await student.EvaluateAsync<bool>("window.hacked === undefined"));
        await BrowserFixture.AssertAccessibleAsync(student);
        await AssertFitsAsync(student);
        await BrowserFixture.ScreenshotAsync(student, "course-lesson-phone");
        var lessonUrl = student.Url;
        // Reading it counted as a view, which completes a must-view lesson (nothing left to mark done), and that is kept.
        await Expect(student.Locator("#item-done")).ToContainTextAsync("Done");
        await Expect(student.GetByRole(AriaRole.Button, new() { Name = "Mark as done" })).ToHaveCountAsync(0);
        await student.GotoAsync(web.Url(d.District.Slug, course));
        await student.GotoAsync(lessonUrl);
        await Expect(student.Locator("#item-done")).ToContainTextAsync("Done");
        // The versions are the teacher's: the student gets the 403 page.
        Assert.Equal(403, (await student.GotoAsync(lessonUrl + "/edit"))!.Status);

        // The teacher edits: version 2; the student still sees version 1.
        await teacher.GotoAsync(lessonUrl);
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Edit the lesson and see its versions" }).ClickAsync();
        await teacher.GetByLabel("Lesson text (Markdown)").FillAsync(Hostile.Replace("Version one text.", "Version two text."));
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Save as a new version" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved as version 2.");
        await Expect(teacher.Locator("#history tbody th")).ToHaveTextAsync(["2", "1"]);
        await student.GotoAsync(lessonUrl);
        await Expect(student.Locator("#lesson-body")).ToContainTextAsync("Version one text.");

        // History: the diff between 1 and 2.
        await teacher.GetByLabel("Compare version", new() { Exact = true }).SelectOptionAsync("1");
        await teacher.GetByLabel("with version", new() { Exact = true }).SelectOptionAsync("2");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Compare" }).ClickAsync();
        await Expect(teacher.Locator("#diff del")).ToHaveTextAsync(["Removed: Version one text."]);
        await Expect(teacher.Locator("#diff ins")).ToHaveTextAsync(["Added: Version two text."]);
        await BrowserFixture.AssertAccessibleAsync(teacher);
        await BrowserFixture.ScreenshotAsync(teacher, "course-lesson-history");

        // Publishing version 2 switches the student.
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Publish version 2" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Status)).ToHaveTextAsync("Published: students see that version now.");
        await student.ReloadAsync();
        await Expect(student.Locator("#lesson-body")).ToContainTextAsync("Version two text.");
        await Expect(student.Locator("#lesson-body")).Not.ToContainTextAsync("Version one text.");

        // Preview as student: the published lesson, no forms.
        await teacher.GotoAsync(web.Url(d.District.Slug, course));
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Preview as student" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Button, new() { Name = "Add the module" })).ToHaveCountAsync(0);
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Fractions" }).ClickAsync();
        await Expect(teacher.Locator("#lesson-body")).ToContainTextAsync("Version two text.");
        await BrowserFixture.AssertAccessibleAsync(teacher);
    }

    [Fact]
    public async Task Locked_modules_say_why_and_their_lessons_refuse_the_content()
    {
        var d = await ShellTestDistrict.CreateAsync(web.Api);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var first = await PublishedLessonAsync(d, shell);
        var opensAt = DateTimeOffset.UtcNow.AddDays(10);
        var locked = await AsTeacherAsync(d, "nw-t-001", async (editing, teacher) =>
        {
            var later = await editing.CreateModuleAsync(teacher, shell, new ModuleInput("Week 2", null, null, null, [first]), default);
            var future = await editing.CreateModuleAsync(teacher, shell, new ModuleInput("Week 3", opensAt, null, null, null), default);
            var items = new List<Guid>();
            foreach (var (module, title) in new[] { (later.Id, "Second lesson"), (future.Id, "Third lesson") })
            {
                var item = await editing.CreateItemAsync(teacher, shell, module, new ItemInput(ContentKind.Lesson, title, null, $"Secret {title}", null, null), null, default);
                await editing.PublishAsync(teacher, shell, item.Id, true, null, default);
                items.Add(item.Id);
            }
            return items;
        });

        var student = await SignedInAsync(d.District, "nw-s-001", width: 360);
        await student.GotoAsync(web.Url(d.District.Slug, $"/courses/{shell}"));
        var modules = student.Locator(".module");
        await Expect(modules.Nth(0).Locator(".lock-reason")).ToHaveCountAsync(0);
        await Expect(modules.Nth(1).Locator("p.lock-reason")).ToHaveTextAsync("Locked. Complete \"Week 1\" first.");
        await Expect(modules.Nth(2).Locator("p.lock-reason")).ToContainTextAsync("Locked. Opens on");
        Assert.Equal(opensAt.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ"), await modules.Nth(2).Locator("p.lock-reason time").GetAttributeAsync("datetime"));
        await Expect(student.GetByRole(AriaRole.Link, new() { Name = "Intro" })).ToBeVisibleAsync();
        await Expect(student.GetByRole(AriaRole.Link, new() { Name = "Second lesson" })).ToHaveCountAsync(0);
        await BrowserFixture.AssertAccessibleAsync(student);
        await AssertFitsAsync(student);

        // Opened by address anyway: the reason, 403, and none of the lesson.
        var response = await student.GotoAsync(web.Url(d.District.Slug, $"/courses/{shell}/items/{locked[0]}"));
        Assert.Equal(403, response!.Status);
        await Expect(student.Locator("#lock-reason")).ToHaveTextAsync("This is locked. Complete \"Week 1\" first.");
        await Expect(student.Locator("#lesson-body")).ToHaveCountAsync(0);
        await Expect(student.GetByText("Secret Second lesson")).ToHaveCountAsync(0);
        await BrowserFixture.AssertAccessibleAsync(student);
        await AssertFitsAsync(student);
        response = await student.GotoAsync(web.Url(d.District.Slug, $"/courses/{shell}/items/{locked[1]}"));
        Assert.Equal(403, response!.Status);
        await Expect(student.Locator("#lock-reason")).ToContainTextAsync("This is locked. It opens on");
        await Expect(student.GetByText("Secret Third lesson")).ToHaveCountAsync(0);

        // The guardian sees the child's course, without lock states (they are per student) but with published items only.
        var guardian = await SignedInAsync(d.District, "nw-g-001");
        await guardian.GetByRole(AriaRole.Link, new() { Name = "Courses", Exact = true }).ClickAsync();
        await guardian.Locator($"a[href='/courses/{shell}']").ClickAsync();
        await Expect(guardian.Locator(".module h2")).ToHaveTextAsync(["Week 1", "Week 2", "Week 3"]);
        await BrowserFixture.AssertAccessibleAsync(guardian);
    }

    [Fact]
    public async Task Forged_posts_other_classes_and_districts_are_refused_and_an_archived_course_is_read_only()
    {
        var d = await ShellTestDistrict.CreateAsync(web.Api);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        await PublishedLessonAsync(d, shell);
        var modules = () => d.ScalarAsync<long>("select count(*) from modules where shell_id = $1", shell);

        // A student of the class reads the course but a forged "add a module" is 403, and nothing is added.
        var student = await SignedInAsync(d.District, "nw-s-001");
        await student.GotoAsync(web.Url(d.District.Slug, $"/courses/{shell}"));
        Assert.Equal(403, await PostWithTokenAsync(student, $"/courses/{shell}?handler=addModule", "title=Mine"));
        Assert.Equal(403, await PostWithTokenAsync(student, $"/courses/{shell}?handler=status", "status=archived"));
        Assert.Equal(1, await modules());

        // A student of another class: the course is not theirs (404), neither page nor post.
        var other = await SignedInAsync(d.District, "nw-s-009");
        Assert.Equal(404, (await other.GotoAsync(web.Url(d.District.Slug, $"/courses/{shell}")))!.Status);
        await BrowserFixture.AssertAccessibleAsync(other);
        await other.GotoAsync(web.Url(d.District.Slug, "/courses"));
        await Expect(other.Locator($"a[href='/courses/{shell}']")).ToHaveCountAsync(0);
        Assert.Equal(404, await PostWithTokenAsync(other, $"/courses/{shell}?handler=addModule", "title=Mine"));

        // Another district's teacher, on their own district's host, does not find this district's course.
        var e = await ShellTestDistrict.CreateAsync(web.Api);
        var elsewhere = await SignedInAsync(e.District, "nw-t-001");
        Assert.Equal(404, (await elsewhere.GotoAsync(web.Url(e.District.Slug, $"/courses/{shell}")))!.Status);
        await elsewhere.GotoAsync(web.Url(e.District.Slug, "/courses"));
        Assert.Equal(404, await PostWithTokenAsync(elsewhere, $"/courses/{shell}?handler=addModule", "title=Mine"));
        Assert.Equal(1, await modules());

        // Archived: the forms are gone, a POST is refused with the reason (409), and restoring to draft is offered.
        var teacher = await SignedInAsync(d.District, "nw-t-001");
        await teacher.GotoAsync(web.Url(d.District.Slug, $"/courses/{shell}"));
        await teacher.GetByLabel("Change status to").SelectOptionAsync("archived");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Change status" }).ClickAsync();
        await Expect(teacher.Locator("#course-status")).ToHaveTextAsync("Archived");
        await Expect(teacher.GetByRole(AriaRole.Button, new() { Name = "Add the module" })).ToHaveCountAsync(0);
        await Expect(teacher.GetByRole(AriaRole.Button, new() { Name = "Unpublish Intro" })).ToHaveCountAsync(0);
        await BrowserFixture.AssertAccessibleAsync(teacher);
        Assert.Equal(409, await PostWithTokenAsync(teacher, $"/courses/{shell}?handler=addModule", "title=Late"));
        var refused = await teacher.EvaluateAsync<string>("""
            async (url) => {
                const headers = JSON.parse(document.body.getAttribute('hx-headers'));
                headers['Content-Type'] = 'application/x-www-form-urlencoded';
                return await (await fetch(url, { method: 'POST', headers, body: 'title=Late' })).text();
            }
            """, $"/courses/{shell}?handler=addModule");
        Assert.Contains("This course is archived and read-only.", refused);
        Assert.Equal(1, await modules());
        var options = await teacher.GetByLabel("Change status to").Locator("option").AllInnerTextsAsync();
        Assert.Contains("Draft", options);
    }
}
