using LmsCloud.Tests.Learning;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LmsCloud.Tests.Web;

/// <summary>
/// Building a course in Chromium over an imported northwind-1.1-bulk: the teacher adds a link, a file (the type refusal
/// shown at the field) and lessons, sets a prerequisite and a completion rule, deletes an item after confirming, and
/// publishes; the student sees the lock in words, works through the first module (each item page is a view), marks
/// the lesson of the second done and sees the percent change; the lesson page sends a heartbeat (a row in
/// activity_events) and a video reports its position and resumes at it. Copy and merge ask first and name both courses.
/// axe on every page.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class CourseBuildingPagesTests(BrowserFixture web)
{
    /// <summary>The smallest thing the sniffer takes for an MP4: an ftyp box. It does not play; the test drives the page's script through a stub.</summary>
    static readonly byte[] Mp4Header = [0, 0, 0, 0x18, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'i', (byte)'s', (byte)'o', (byte)'m',
        0, 0, 2, 0, (byte)'i', (byte)'s', (byte)'o', (byte)'m', (byte)'m', (byte)'p', (byte)'4', (byte)'2'];

    static ILocator Module(IPage page, string title) => page.Locator("section.module", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = title, Exact = true }) });

    [Fact]
    public async Task A_teacher_builds_a_module_with_a_link_a_file_and_a_lesson_and_the_student_works_through_it()
    {
        var d = await ShellTestDistrict.CreateAsync(web.Api);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var course = web.Url(d.District.Slug, $"/courses/{shell}");
        var teacher = await web.SignedInAsync(d.District, "nw-t-001");
        await teacher.GotoAsync(course);
        foreach (var title in new[] { "Week 1", "Week 2" })
        {
            await teacher.GetByLabel("Module title").FillAsync(title);
            await teacher.GetByRole(AriaRole.Button, new() { Name = "Add the module" }).ClickAsync();
        }

        // A link: a bad address is refused next to its field, then a good one is added.
        await teacher.Locator("summary", new() { HasText = "Add a link to Week 1" }).ClickAsync();
        var link = teacher.GetByRole(AriaRole.Form, new() { Name = "Add a link to Week 1" });
        await link.GetByLabel("Link title").FillAsync("Reading list");
        await link.GetByLabel("Address (https://…)").FillAsync("javascript:alert(1)");
        await link.GetByRole(AriaRole.Button, new() { Name = "Add the link" }).ClickAsync();
        await Expect(teacher.Locator($"[id$='-url-error']")).ToHaveTextAsync("A link needs an http or https URL.");
        await BrowserFixture.AssertAccessibleAsync(teacher);
        link = teacher.GetByRole(AriaRole.Form, new() { Name = "Add a link to Week 1" });
        await Expect(link.GetByLabel("Link title")).ToHaveValueAsync("Reading list"); // what was typed is kept
        await link.GetByLabel("Address (https://…)").FillAsync("https://example.org/reading");
        await link.GetByRole(AriaRole.Button, new() { Name = "Add the link" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Status)).ToContainTextAsync("The link is added as a draft");

        // A file: a type that is not allowed is refused at the field; an MP4 is taken.
        await teacher.Locator("summary", new() { HasText = "Add a file to Week 1" }).ClickAsync();
        var file = teacher.GetByRole(AriaRole.Form, new() { Name = "Add a file to Week 1" });
        await file.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "tool.exe", MimeType = "application/octet-stream", Buffer = "MZ\x90\0binary"u8.ToArray() });
        await file.GetByRole(AriaRole.Button, new() { Name = "Upload the file" }).ClickAsync();
        await Expect(teacher.Locator("[id$='-file-error']")).ToContainTextAsync("This kind of file is not allowed");
        await BrowserFixture.AssertAccessibleAsync(teacher);
        file = teacher.GetByRole(AriaRole.Form, new() { Name = "Add a file to Week 1" });
        await file.GetByLabel("File title (optional: the file's name)").FillAsync("Video");
        await file.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "intro.mp4", MimeType = "video/mp4", Buffer = Mp4Header });
        await file.GetByRole(AriaRole.Button, new() { Name = "Upload the file" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Status)).ToContainTextAsync("The file is added as a draft");

        foreach (var (module, title) in new[] { ("Week 1", "Intro"), ("Week 2", "Fractions"), ("Week 2", "Spare") })
        {
            await teacher.Locator("summary", new() { HasText = $"Add a lesson to {module}" }).ClickAsync();
            var lesson = teacher.GetByRole(AriaRole.Form, new() { Name = $"Add a lesson to {module}" });
            await lesson.GetByLabel("Lesson title").FillAsync(title);
            await lesson.GetByLabel("Lesson text (Markdown)").FillAsync($"# {title}\n\nSome text.");
            await lesson.GetByRole(AriaRole.Button, new() { Name = "Add the lesson" }).ClickAsync();
            await Expect(teacher.GetByRole(AriaRole.Status)).ToContainTextAsync("The lesson is added");
        }
        await Expect(Module(teacher, "Week 1").Locator(".module-items > li a:not(.link-button)")).ToHaveTextAsync(["Reading list", "Video", "Intro"]);

        // Delete asks first; "No" keeps it, "Yes" removes it.
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Settings of Spare" }).ClickAsync();
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Delete the item…" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Heading, new() { Name = "Delete Spare?" })).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(teacher);
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Yes, delete Spare" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Status)).ToHaveTextAsync("Deleted.");
        await Expect(Module(teacher, "Week 2").Locator(".module-items > li")).ToHaveCountAsync(1);

        // Fractions is completed by marking it done; "Must submit" is not offered for a lesson.
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Settings of Fractions" }).ClickAsync();
        await Expect(teacher.GetByLabel("Must submit")).ToHaveCountAsync(0);
        await teacher.GetByLabel("Mark as done").CheckAsync();
        await BrowserFixture.AssertAccessibleAsync(teacher);
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Save the item" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Status)).ToHaveTextAsync("The item is saved.");

        // Week 2 after Week 1, renamed; an empty title is refused in place.
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Settings of Week 2" }).ClickAsync();
        await teacher.GetByLabel("Module title").FillAsync("");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Save the module" }).ClickAsync();
        await Expect(teacher.Locator("#module-title-error")).ToHaveTextAsync("A title is 1 to 300 characters.");
        await teacher.GetByLabel("Module title").FillAsync("Week 2: fractions");
        await teacher.GetByLabel("Week 1").CheckAsync();
        await BrowserFixture.AssertAccessibleAsync(teacher);
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Save the module" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Status)).ToHaveTextAsync("The module is saved.");
        await Expect(Module(teacher, "Week 2: fractions")).ToContainTextAsync("After: Week 1.");

        foreach (var title in new[] { "Reading list", "Video", "Intro", "Fractions" })
            await teacher.GetByRole(AriaRole.Button, new() { Name = $"Publish {title}", Exact = true }).ClickAsync();
        await teacher.GetByLabel("Change status to").SelectOptionAsync("published");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Change status" }).ClickAsync();
        await Expect(teacher.Locator("#course-status")).ToHaveTextAsync("Published");
        await BrowserFixture.AssertAccessibleAsync(teacher);

        // The student: the lock in words, 0 % to start.
        var student = await web.SignedInAsync(d.District, "nw-s-001");
        await student.GotoAsync(course);
        await Expect(Module(student, "Week 2: fractions").Locator(".lock-reason").First).ToHaveTextAsync("Locked. Complete \"Week 1\" first.");
        await Expect(student.Locator("#my-progress-percent")).ToHaveTextAsync("0 % complete");
        await BrowserFixture.AssertAccessibleAsync(student);

        // Each must-view item of Week 1 is done once its page is opened.
        await student.GetByRole(AriaRole.Link, new() { Name = "Intro" }).ClickAsync();
        await Expect(student.Locator("#item-done")).ToContainTextAsync("Done");
        await student.GotoAsync(course);
        await Expect(student.Locator("#my-progress-percent")).ToHaveTextAsync("25 % complete");
        await student.GetByRole(AriaRole.Link, new() { Name = "Reading list" }).ClickAsync();
        await Expect(student.Locator("#item-link")).ToHaveAttributeAsync("href", "https://example.org/reading");

        // The video: its position goes to the page handler and comes back as the resume point.
        await student.GotoAsync(course);
        await student.GetByRole(AriaRole.Link, new() { Name = "Video" }).ClickAsync();
        var video = student.Locator("video#item-video");
        await Expect(video).ToHaveAttributeAsync("data-resume", "0");
        await BrowserFixture.AssertAccessibleAsync(student);
        var sent = await student.RunAndWaitForResponseAsync(() => video.EvaluateAsync(
            "v => { Object.defineProperty(v, 'currentTime', { get: () => 42.6, set: () => {} }); v.dispatchEvent(new Event('pause')); }"),
            r => r.Url.Contains("handler=position"));
        Assert.Equal(204, sent.Status);
        await student.ReloadAsync();
        await Expect(video).ToHaveAttributeAsync("data-resume", "42");
        await Expect(student.Locator("#item-resume")).ToHaveTextAsync("Resumes at 0:42.");
        Assert.Equal(42.0, await video.EvaluateAsync<double>("""
            v => { let seeked = -1;
                   Object.defineProperty(v, 'duration', { get: () => 100 });
                   Object.defineProperty(v, 'currentTime', { get: () => 0, set: x => { seeked = x; } });
                   v.dispatchEvent(new Event('loadedmetadata')); return seeked; }
            """));

        // Week 1 done: Week 2 opens. Its lesson sends heartbeats while visible (the page's clock run on by 31 s).
        await student.GotoAsync(course);
        await Expect(student.Locator("#my-progress-percent")).ToHaveTextAsync("75 % complete");
        await Expect(Module(student, "Week 2: fractions").Locator(".lock-reason")).ToHaveCountAsync(0);
        await student.Clock.InstallAsync();
        await student.GetByRole(AriaRole.Link, new() { Name = "Fractions" }).ClickAsync();
        var fractions = new Uri(student.Url).AbsolutePath.Split('/')[^1];
        var beat = await student.RunAndWaitForResponseAsync(() => student.Clock.RunForAsync(31_000), r => r.Url.Contains("handler=heartbeat"));
        Assert.Equal(204, beat.Status);
        var studentId = await d.IdAsync("users", "nw-s-001");
        Assert.True(await d.ScalarAsync<long>("select count(*) from activity_events where student_id = $1 and module_item_id = $2 and kind = 'heartbeat'",
            studentId, Guid.Parse(fractions)) >= 1);
        await Expect(student.Locator("#item-done")).ToHaveCountAsync(0); // mark done, not must view
        await student.GetByRole(AriaRole.Button, new() { Name = "Mark as done" }).ClickAsync();
        await Expect(student.Locator("#item-done")).ToContainTextAsync("Done");
        await student.GotoAsync(course);
        await Expect(student.Locator("#my-progress-percent")).ToHaveTextAsync("100 % complete");
        await student.GotoAsync(web.Url(d.District.Slug, "/courses"));
        await Expect(student.Locator(".course-progress", new() { HasText = "100 %" })).ToHaveCountAsync(1);
        await BrowserFixture.AssertAccessibleAsync(student);

        // The student changes nothing: the building pages are 403, their forms too.
        Assert.Equal(403, (await student.GotoAsync(web.Url(d.District.Slug, $"/courses/{shell}/copy")))!.Status);
        await student.GotoAsync(course);
        Assert.Equal(403, await CoursePageSessions.PostWithTokenAsync(student, $"/courses/{shell}?handler=addLink", "title=x&url=https://x.org"));
    }

    [Fact]
    public async Task Copy_brings_another_courses_content_and_merge_asks_first_naming_both()
    {
        var d = await ShellTestDistrict.CreateAsync(web.Api);
        var target = await d.ShellOfAsync("nw-cls-alg1-p1");
        var source = await d.ShellOfAsync("nw-cls-alg1-p3");
        await web.AsTeacherAsync(d, "nw-t-001", async (editing, teacher) =>
        {
            var module = await editing.CreateModuleAsync(teacher, source, new("Last term", null, null, null, null), default);
            return await editing.CreateItemAsync(teacher, source, module.Id, new("lesson", "Old lesson", null, "Text", "must_view", null), null, default);
        });
        var sourceTitle = await d.ScalarAsync<string>("select title from course_shells where id = $1", source);
        var targetTitle = await d.ScalarAsync<string>("select title from course_shells where id = $1", target);
        var teacherPage = await web.SignedInAsync(d.District, "nw-t-001");
        await teacherPage.GotoAsync(web.Url(d.District.Slug, $"/courses/{target}"));
        await teacherPage.GetByRole(AriaRole.Link, new() { Name = "Copy content in or merge a section" }).ClickAsync();
        await BrowserFixture.AssertAccessibleAsync(teacherPage);
        await teacherPage.GetByLabel("Copy from").SelectOptionAsync(source.ToString());
        await teacherPage.GetByRole(AriaRole.Button, new() { Name = "Copy the content" }).ClickAsync();
        await Expect(teacherPage.GetByRole(AriaRole.Status)).ToContainTextAsync("The content is copied in as drafts");
        await Expect(teacherPage.Locator(".module h2")).ToHaveTextAsync(["Last term"]);

        await teacherPage.GetByRole(AriaRole.Link, new() { Name = "Copy content in or merge a section" }).ClickAsync();
        await teacherPage.GetByLabel("Merge in").SelectOptionAsync(source.ToString());
        await teacherPage.GetByRole(AriaRole.Button, new() { Name = "Merge…" }).ClickAsync();
        await Expect(teacherPage.GetByRole(AriaRole.Heading, new() { Name = $"Merge {sourceTitle} into {targetTitle}?" })).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(teacherPage);
        Assert.Equal("draft", await d.ScalarAsync<string>("select status from course_shells where id = $1", source)); // nothing yet
        await teacherPage.GetByRole(AriaRole.Button, new() { Name = $"Yes, merge {sourceTitle} into {targetTitle}" }).ClickAsync();
        await Expect(teacherPage.GetByRole(AriaRole.Status)).ToContainTextAsync("The sections are merged");
        Assert.Equal("archived", await d.ScalarAsync<string>("select status from course_shells where id = $1", source));
        Assert.Equal(2L, await d.ScalarAsync<long>("select count(*) from course_shell_classes where shell_id = $1", target));
    }
}
