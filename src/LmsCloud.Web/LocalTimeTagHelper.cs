using Microsoft.AspNetCore.Razor.TagHelpers;

namespace LmsCloud.Web;

/// <summary>
/// <c>&lt;local-time value="@instant" /&gt;</c>: a <c>&lt;time&gt;</c> element showing the instant in the district's time zone
/// and locale (<see cref="DistrictLook.Format"/>), with the exact UTC instant in <c>datetime</c> for machines. Every page
/// shows dates through it, so no page prints the server's UTC by mistake.
/// </summary>
[HtmlTargetElement("local-time", TagStructure = TagStructure.WithoutEndTag)]
public sealed class LocalTimeTagHelper(DistrictBranding branding) : TagHelper
{
    public DateTimeOffset? Value { get; set; }

    public override async Task ProcessAsync(TagHelperContext context, TagHelperOutput output)
    {
        if (Value is not { } instant)
        {
            output.SuppressOutput();
            return;
        }
        output.TagName = "time";
        output.TagMode = TagMode.StartTagAndEndTag;
        output.Attributes.SetAttribute("datetime", instant.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ"));
        output.Content.SetContent((await branding.CurrentAsync()).Format(instant));
    }
}
