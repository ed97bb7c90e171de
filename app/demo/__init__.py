"""The Lumen demo community: planned as plain data from a seed, then loaded through the real services."""
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, or_, select, update

from app.auth import services as accounts
from app.database import begin_write
from app.exceptions import Conflict
from app.extensions import db
from app.models import Answer, AnswerVote, Comment, Question, QuestionVote, Revision, User
from app.moderation import holds
from app.moderation import services as moderation
from app.notifications import services as notification_services
from app.questions import services as threads

DEMO_PASSWORD = "lumen-demo-password"  # noqa: S105 - documented in the README for the demo accounts
EMAIL_DOMAIN = "demo.lumen.example"
HISTORY = timedelta(days=548)
QUESTIONS = 160

# Content ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    """A Lumen product and the details people quote when they ask about it."""

    name: str
    short: str
    tag: str
    model: str
    versions: tuple  # firmware (or app) versions, oldest first
    about: str  # where the version is shown
    restart: str
    reset: str


PRODUCTS = {
    "x200": Product(
        "X200 earbuds", "X200", "x200", "LX2-E", ("3.1.2", "3.2.0", "3.2.4", "3.3.1"),
        "**Lumen app > Devices > X200 > About**",
        "put both buds in the case, close the lid for 10 seconds and open it again",
        "put both buds in the case, keep the lid open and hold the case button for 15 seconds until the light "
        "flashes amber three times",
    ),
    "aurora": Product(
        "Aurora smart speaker", "Aurora", "aurora", "LA1-S", ("5.0.3", "5.1.0", "5.1.7", "5.2.2"),
        "**Lumen app > Devices > Aurora > Settings > About**",
        "unplug it for 30 seconds and plug it back in",
        "hold the volume-down and mic buttons together for 20 seconds until the light ring turns orange",
    ),
    "nova": Product(
        "Nova phone", "Nova", "nova", "LN5", ("14.0.6", "14.1.2", "14.2.0", "14.2.3"),
        "**Settings > About phone > Software**",
        "hold the power and volume-up buttons for 10 seconds until the phone restarts",
        "back everything up, then go to **Settings > System > Reset options > Erase all data**",
    ),
    "pulse": Product(
        "Pulse smartwatch", "Pulse", "pulse", "LP3-W", ("4.6.0", "4.7.2", "4.8.0", "4.8.1"),
        "**Settings > About** on the watch, or **Lumen app > Devices > Pulse > About**",
        "hold the side button for 10 seconds until the Lumen logo appears",
        "go to **Settings > System > Reset** on the watch",
    ),
    "home": Product(
        "Lumen Home hub", "Home hub", "lumen-home", "LH2", ("2.9.4", "3.0.1", "3.0.5", "3.1.0"),
        "**Lumen app > Devices > Home hub > Advanced > About**",
        "unplug the hub for 30 seconds",
        "press the pinhole button on the back for 10 seconds with the hub powered on, until the light blinks white",
    ),
    "beam": Product(
        "Beam soundbar", "Beam", "beam", "LB1", ("1.8.2", "1.9.0", "1.9.3", "2.0.1"),
        "**Lumen app > Devices > Beam > Settings > About**",
        "unplug the Beam at the wall for a minute",
        "hold the power and Bluetooth buttons on top for 10 seconds until the front light blinks white",
    ),
    "app": Product(
        "Lumen app", "Lumen app", "lumen-app", "", ("6.12.0", "6.14.1", "7.0.2", "7.1.0"),
        "**Profile > About** in the Lumen app",
        "force-close the app and open it again",
        "sign out, uninstall the app, restart the phone and install it again",
    ),
}
DEVICES = ("x200", "aurora", "nova", "pulse", "home", "beam")


@dataclass(frozen=True)
class Topic:
    """One problem people ask about: title phrasings, the question, answers that solve it, the official reply.

    Texts are str.format templates: {product} {short} {key} {fw} {fw_new} {about} {restart} {reset}
    {asker} {agent} {phone} {month}.
    """

    products: tuple
    tags: tuple
    titles: tuple
    body: str
    answers: tuple
    staff: str
    technical: bool = True  # device trouble, not orders or money
    official: bool = False  # brand staff nearly always reply


def _sign(text):
    """An official reply, greeting the asker and signed by the agent."""
    return "Hi {asker}, Lumen Care here. " + text + "\n\n— {agent}, Lumen Care"


TOPICS = (
    Topic(
        ("x200", "pulse", "nova"), ("battery", "firmware"),
        ("{product} battery drains much faster since firmware {fw}",
         "Battery on my {product} now lasts about half as long as it did",
         "{product} losing charge quickly after updating to {fw}"),
        "Since the update to {fw} my {short} runs out of battery far sooner than before. When it was new I "
        "easily got through a full day; now I'm charging by mid-afternoon.\n\nNothing else changed: same phone, "
        "same apps, same routine. Is this a known problem with {fw}, or is my battery going?",
        ("{fw} re-enables background sync with the Lumen app, and that's what eats the battery. In the app go to "
         "**Devices > {short} > Battery** and set *Background sync* to **Hourly**. Mine was back to normal the "
         "next day.",
         "Give it a few charge cycles. After a firmware update the {short} recalibrates its battery meter, so the "
         "percentage is off for two or three days. Run it down to about 10% and charge it to 100% without "
         "interruption a couple of times.",
         "Check which feature is using the power: the Lumen app shows it under **Devices > {short} > Battery > "
         "Usage**. For me it was a feature that refreshed every second; once I turned it off the battery lasted "
         "twice as long.",
         "If it's more than 18 months old the battery may simply be wearing out. The app shows *Battery health* "
         "under {about}; below 80% it qualifies for a battery service."),
        _sign("Thanks for the detail. We found a bug in {fw} that keeps Bluetooth scanning active after a sync, "
              "and {fw_new} fixes it. Please update, then restart the {short} once ({restart}). If the battery "
              "still drains after two days, reply here and we'll arrange a battery check."),
    ),
    Topic(
        ("x200",), ("audio", "bluetooth"),
        ("Left X200 earbud has no sound but the right one works fine",
         "Only one X200 earbud plays audio since firmware {fw}",
         "One X200 earbud is completely silent, the other is fine"),
        "One of my X200 earbuds is silent. It lights up and shows as connected in the Lumen app with its own "
        "battery level, but no sound comes out of it. Calls are the same.\n\nI've tried:\n\n"
        "- cleaning the mesh with a dry brush\n- putting both buds back in the case for a minute\n"
        "- unpairing and pairing again\n\nAnything else before I send them in?",
        ("Check the balance slider. On Android it's under **Accessibility > Audio adjustment**, on iOS "
         "**Accessibility > Audio/Visual > Balance**. An update had moved mine all the way to the right.",
         "The buds sync with each other, not just with the phone. Put both in the case, close the lid for 10 "
         "seconds, open it and then {reset}. That re-links the pair, and it fixed my silent left bud.",
         "If the mesh looks clean, try a soft toothbrush with a drop of isopropyl alcohol and let it dry for an "
         "hour. Wax behind the mesh is the most common cause of a quiet or silent bud."),
        _sign("Sorry about that. Please try a re-link first: {reset}. If one bud stays silent afterwards it's "
              "most likely a hardware fault, and that's covered by the 2-year warranty. Start a claim at "
              "https://lumen.example/care with the serial number printed inside the case lid and we'll send a "
              "replacement bud; you keep the rest."),
    ),
    Topic(
        ("x200",), ("charging", "battery"),
        ("X200 charging case doesn't light up when plugged in",
         "X200 earbuds not charging in the case, light blinks red",
         "X200 case stopped charging with a USB-C cable"),
        "My X200 case stopped charging. With the USB-C cable the light stays off, and the buds were at 5% this "
        "morning even though they were in the case all night. Sometimes the light blinks red when I close the "
        "lid.\n\nOther devices charge fine with the same cable and plug.",
        ("Look inside the USB-C port with a torch. Pocket lint gets packed in there and the plug doesn't seat "
         "fully. A wooden toothpick cleared mine; careful not to bend the pins.",
         "A blinking red light means the case thinks a bud isn't seated. Wipe the gold contacts at the tip of "
         "each bud and the pins in the case with a dry cotton bud. Thick foam tips can also stop the buds "
         "sitting fully in the case.",
         "Try a different charger. Some laptop and fast chargers don't wake an empty case; an old 5V phone "
         "charger brought mine back to life, then it worked with everything again."),
        _sign("The case needs a 5V USB-C charger; some laptop chargers that only offer higher voltages don't "
              "wake an empty case. Please try a phone charger for 30 minutes. If the light still doesn't come "
              "on, the case is covered under warranty and we can replace just the case: "
              "https://lumen.example/care"),
    ),
    Topic(
        ("x200", "pulse", "beam", "aurora"), ("bluetooth", "pairing"),
        ("Can't find my {product} in my phone's Bluetooth list",
         "Can't pair the {product}, it keeps saying connection failed",
         "{product} won't pair with my new phone"),
        "I'm trying to connect my {product} to a new phone and it just won't pair. The phone either doesn't see "
        "it or connects and drops straight away with *Connection failed*. Bluetooth is on and the {short} is "
        "charged.\n\nIt worked fine with my old phone for months.",
        ("Remove the {short} from the Bluetooth list on **every** device it was ever paired with (old phone, "
         "tablet, laptop). It reconnects to the last device it knew, and if that one is nearby it never enters "
         "pairing mode for the new one.",
         "Forget it in Bluetooth settings, then {reset}. After that it shows up as new. Pair it from the Lumen "
         "app rather than the phone's Bluetooth menu; the app does the steps in the right order.",
         "Turn Bluetooth off and on again on the phone and make sure the phone isn't in battery saver. Battery "
         "saver limits Bluetooth scanning on a lot of phones, and the {short} simply never appears."),
        _sign("Could you tell us the phone model and its OS version? In the meantime the most reliable fix is "
              "to forget the {short} everywhere, then {reset}, and pair again from the Lumen app. Our pairing "
              "guide has pictures for each step: https://lumen.example/support/{key}/pairing"),
    ),
    Topic(
        ("x200",), ("bluetooth", "setup"),
        ("How do I use the X200 earbuds with my phone and laptop at the same time?",
         "Does the X200 support multipoint Bluetooth?",
         "Keep X200 earbuds connected to two devices at once?"),
        "I'd like my X200 to stay connected to both my phone and my work laptop so I can take calls on either. "
        "Right now it's one or the other, and I have to reconnect by hand each time.\n\nIs there a setting for "
        "this, and does it need a particular firmware?",
        ("Yes, since firmware 3.2 it supports two devices at once. In the Lumen app: **Devices > X200 > "
         "Connections > Multipoint**. Turn it on, then pair the second device while the first is connected.",
         "Works well for me on {fw}. One tip: with multipoint on, the sound goes to whichever device started "
         "playing last. Muting notification sounds on the laptop stops it stealing the audio in the middle of "
         "a podcast.",
         "If the laptop keeps grabbing the connection, turn off *Auto-connect* for it under **Devices > X200 > "
         "Connections**. It then only connects when you pick it from the laptop's Bluetooth menu."),
        _sign("Multipoint is supported from firmware 3.2.0 onwards. Turn it on in **Lumen app > Devices > X200 > "
              "Connections > Multipoint**, then pair the second device. It uses a little more battery, around "
              "10%, because both links stay awake."),
    ),
    Topic(
        ("x200",), ("audio", "noise-cancelling"),
        ("Hissing sound from the X200 when noise cancelling is on",
         "X200 noise cancelling makes a hiss in quiet rooms",
         "Is a faint hiss normal with X200 noise cancelling?"),
        "When I switch on noise cancelling on my X200 there's a faint hiss, most noticeable in a quiet room with "
        "nothing playing. Outdoors, wind makes a loud whooshing that's worse than with noise cancelling off.\n\n"
        "Is this normal or a faulty pair? I'm on {fw}.",
        ("A faint hiss in a silent room is normal for most noise-cancelling earbuds; it's the cancellation "
         "itself. If it's loud, or only on one side, that's different and worth a warranty claim.",
         "Turn on **Wind reduction** under **Devices > X200 > Noise control**. It switches off the outer "
         "microphones when it detects wind. Made running outside bearable for me.",
         "Fit matters more than you'd think. Run the fit test in the app (**Noise control > Ear tip fit "
         "test**). I went up one tip size and the hiss was masked much better, cancellation got stronger too."),
        _sign("Firmware {fw_new} retunes the noise cancelling and reduces the hiss in quiet rooms, so please "
              "update first. If you still hear hissing on one side only after updating, that points to a "
              "microphone fault and we'll replace the bud under warranty: https://lumen.example/care"),
    ),
    Topic(
        ("x200",), ("audio", "calls"),
        ("People say I sound muffled on calls with my X200 earbuds",
         "X200 microphone is very quiet in video calls",
         "Colleagues can barely hear me on calls through the X200"),
        "On calls people keep telling me I sound far away or muffled when I use my X200. Voice memos recorded "
        "with them sound fine; it's mostly in meeting apps on my laptop.\n\nIs there a setting I'm missing?",
        ("Meeting apps often add their own noise suppression on top of the X200's. Set noise suppression to "
         "*Low* in the meeting app's audio settings and the muffled sound usually goes away.",
         "That's Bluetooth on laptops: during calls it switches to the low-quality headset profile. Use the "
         "laptop's own microphone while listening on the X200 and you'll sound much better.",
         "Check the tiny microphone holes on the stems aren't blocked. A bit of dust or wax makes a huge "
         "difference; a soft dry brush cleans them."),
        _sign("Please update to {fw_new}, which improves voice pickup in calls, and make sure *Voice focus* is on "
              "in **Lumen app > Devices > X200 > Calls**. If people still say you sound muffled, send us a short "
              "voice memo recorded with the X200 via https://lumen.example/care and we'll check it."),
    ),
    Topic(
        ("x200", "aurora", "pulse", "home", "beam"), ("firmware",),
        ("{product} firmware update stuck and never finishes",
         "Update to {fw_new} fails on my {product} with error U-204",
         "Same firmware update offered for my {product} again and again"),
        "The Lumen app says an update to {fw_new} is available for my {product}. It downloads, starts "
        "installing, and then sits at 99% forever or fails with **Error U-204**. After a restart the {short} is "
        "still on {fw} and the app offers the same update again.\n\n```\nUpdate failed (U-204)\n"
        "Device:  {short}\nCurrent: {fw}\nTarget:  {fw_new}\n```",
        ("U-204 means the download was interrupted. Keep the phone right next to the {short} and the Lumen app "
         "in the foreground with the screen on for the whole update. Battery saver on the phone kills the "
         "transfer halfway.",
         "What finally worked for me: restart the phone, restart the {short} ({restart}), then start the update "
         "with at least 50% battery on both. It took about 15 minutes but went through.",
         "If it keeps failing at the same point, sign out of the Lumen app and back in. The app caches the "
         "update file, and a corrupted cached file fails in exactly the same place every time."),
        _sign("Error U-204 is an interrupted transfer. Please keep the {short} powered, keep the Lumen app open in "
              "the foreground, and turn off battery saver on the phone while it updates. If it still stops at "
              "the same point, {reset} and try again; the update then starts from scratch."),
    ),
    Topic(
        DEVICES, ("firmware",),
        ("How do I check which firmware version is on my {product}?",
         "Where do I find the firmware version of the {product}?",
         "How can I tell if the firmware on my {product} is the latest?"),
        "People keep asking which firmware I'm on, and I honestly can't find it for my {product}. Where does it "
        "show the version, and how do I know whether there's an update waiting?",
        ("It's in {about}. The update check is on the same page: it either says *Up to date* or offers the new "
         "version.",
         "{about}. Tip: take a screenshot of that page when you ask for help. It also shows the model and "
         "serial, which Lumen Care asks for anyway (blur the serial if you post it here).",
         "Updates install automatically overnight if *Auto-update* is on, which it is by default. So if you "
         "never changed that, you're most likely on the latest version already."),
        _sign("You'll find it in {about}. The latest version is {fw_new}; the release notes are at "
              "https://lumen.example/support/{key}/firmware"),
    ),
    Topic(
        ("aurora", "home"), ("wifi",),
        ("{product} keeps dropping off Wi-Fi every few hours",
         "{product} shows as offline in the app several times a day",
         "{product} loses its Wi-Fi connection on a mesh network"),
        "My {product} disconnects from Wi-Fi several times a day. The app shows it as *Offline*, and it comes "
        "back by itself after a while or after I unplug it. Every other device in the house is fine.\n\nThe "
        "router is a mesh system with one network name for 2.4 and 5 GHz. Firmware {fw}.",
        ("Mesh routers that merge 2.4 and 5 GHz under one name confuse the {short} when it roams between bands. "
         "Most routers let you create a separate 2.4 GHz network; put the {short} on that and it stays "
         "connected.",
         "Give the {short} a fixed address in the router (a DHCP reservation). Mine dropped every time the "
         "lease renewed. Not a single drop since.",
         "Check what's between it and the nearest mesh point. Mine was behind the TV, and moving it 30 cm "
         "made the signal in the app go from one bar to three."),
        _sign("Thanks for mentioning the mesh setup, that's useful. Firmware {fw_new} improves roaming between "
              "mesh points, so please update first. If it still drops, a separate 2.4 GHz network for your "
              "Lumen devices is the most reliable fix. Our Wi-Fi checklist: https://lumen.example/support/{key}/wifi"),
    ),
    Topic(
        ("aurora",), ("voice-assistant",),
        ("Aurora doesn't respond to 'Hey Lumen' unless I shout",
         "Aurora ignores the wake word from across the room",
         "Aurora wakes up by itself when the TV is on"),
        "My Aurora smart speaker has become really unreliable with the wake word. From across the room it "
        "ignores me, yet it wakes up by itself during TV shows.\n\nIt's on {fw}. Is there a sensitivity setting?",
        ("Yes: **Lumen app > Devices > Aurora > Voice > Wake word sensitivity**. The middle setting works best "
         "for me; high makes the TV problem worse.",
         "Retrain the voice model (**Voice > Voice match > Retrain**). Do it in the room where the speaker "
         "lives, with the usual background noise. It made a big difference for me.",
         "Keep it away from walls and corners; the microphones pick up echoes there. Mine was on a shelf "
         "against the wall and moving it 20 cm forward helped a lot."),
        _sign("{fw_new} includes a new wake word model that's much better at ignoring TV speech. After updating, "
              "please run **Voice > Voice match > Retrain** once. If it still misses the wake word at normal "
              "volume, we'd like to check the microphones: https://lumen.example/care"),
    ),
    Topic(
        ("aurora",), ("audio", "setup"),
        ("How do I set up two Aurora speakers as a stereo pair?",
         "Aurora stereo pair splits up after every power cut",
         "Two Aurora speakers play mono instead of left and right"),
        "I have two Aurora smart speakers in the living room and want them as a left/right stereo pair. I can "
        "group them for multi-room, but that plays the same sound on both, and after a power cut last week even "
        "the group fell apart.\n\nHow do I get proper stereo that survives a power cut?",
        ("In the Lumen app: **Rooms > Living room > Add speaker pair**. Both must be the same model and on the "
         "same firmware, otherwise the option is greyed out.",
         "For the power cuts: give both speakers a fixed IP address in your router. They find each other by "
         "address and get confused when it changes after a restart.",
         "A group is multi-room (same audio everywhere); a pair is stereo. You can have both: pair the two in "
         "the living room, then group the pair with other rooms."),
        _sign("Open **Lumen app > Rooms**, choose the room, then **Add speaker pair** and follow the prompts; "
              "it asks you to tap the left speaker first. Both speakers need the same firmware, so update both "
              "to {fw_new} first, which also keeps pairs together after a power cut. Guide: "
              "https://lumen.example/support/aurora/stereo"),
    ),
    Topic(
        ("aurora", "pulse"), ("alarms",),
        ("{product} alarm went off an hour late this morning",
         "{product} alarms are an hour off after the clocks changed"),
        "I set an alarm on my {product} for 6:30 and it rang at 7:30. I think it started when the clocks "
        "changed at the weekend.\n\nI nearly missed a train, so I'd love to know how to make it reliable.",
        ("The {short} takes its time zone from the Lumen account, not the phone. Check **Lumen app > Profile > "
         "Region > Time zone**. Mine was set to automatic but had stuck on the wrong zone.",
         "Delete the alarm and create it again after checking the time zone. Existing alarms keep the old "
         "offset; only new ones pick up the change.",
         "A restart forces the {short} to sync its clock ({restart}). I do that after every clock change now "
         "and haven't had a problem since."),
        _sign("Sorry about the near miss. There was a daylight saving bug in {fw} that kept the old offset for "
              "existing alarms; {fw_new} fixes it. After updating, please delete and recreate the alarm once."),
    ),
    Topic(
        ("nova",), ("display",),
        ("Nova screen flickers at low brightness",
         "Nova display flickers and looks green in dark rooms",
         "Flickering Nova screen since software {fw}"),
        "My Nova phone's screen flickers when brightness is below about 20%, most obvious in dark rooms. Above "
        "that it's fine. Whites also look slightly green at low brightness.\n\nIt's a few months old, on "
        "software {fw}.",
        ("Turn on **Settings > Display > Extra dim** instead of dragging brightness to the bottom. It keeps the "
         "backlight at a level that doesn't flicker and dims the picture in software.",
         "Try **Display > Colour > Natural**. The *Vivid* profile looked greenish on mine at low brightness; "
         "Natural fixed it.",
         "Check it isn't a setting like *Adaptive refresh rate* switching between modes. Locking it to 60 Hz "
         "under **Display > Smoothness** stopped the flicker completely on mine."),
        _sign("{fw_new} includes a display calibration fix for flicker at low brightness; please update through "
              "**Settings > System > Software update**. If the green tint stays after updating, book a free "
              "screen check at https://lumen.example/care and we'll look at it under warranty."),
    ),
    Topic(
        ("nova",), ("camera",),
        ("Nova camera photos look blurry in low light",
         "Indoor photos from the Nova camera are soft and blurry",
         "Why are my Nova night photos of the kids always blurry?"),
        "Photos from my Nova phone look great outdoors, but indoors and in the evening they're soft and blurry, "
        "especially of my kids (who never stand still).\n\nAny settings worth changing?",
        ("Indoors the camera lowers the shutter speed, so moving subjects blur. Switch off *Night mode auto* and "
         "turn on *Action mode* (**Camera > Settings > Motion**). Slightly more grain, much sharper kids.",
         "Wipe the lens. Seriously: a fingerprint on the lens causes exactly that soft, hazy look. Mine looked "
         "like a new camera afterwards.",
         "Tap on the subject before shooting so it focuses there, and use burst mode (hold the shutter). One of "
         "the ten shots is almost always sharp."),
        _sign("Night mode holds the shutter open for up to 3 seconds, so any movement blurs; *Action mode* is "
              "the better choice for children and pets. {fw_new} also improves low-light focus. If photos are "
              "blurry even in daylight, please contact us at https://lumen.example/care."),
    ),
    Topic(
        ("nova",), ("charging", "battery"),
        ("Nova only charges slowly even with the original charger",
         "Why does my Nova stop charging at 80% overnight?",
         "Nova says 'Charging slowly' with the charger from the box"),
        "My Nova phone takes almost four hours to charge now, with the charger it came with. The lock screen "
        "says *Charging slowly*. Overnight it also stops at 80% and only tops up just before my alarm.\n\nIs "
        "something wrong with the port?",
        ("The 80% stop is *Adaptive charging*, a battery care feature: it learns your alarm time and finishes "
         "charging just before. You can turn it off under **Settings > Battery > Battery care**, but it's good "
         "for the battery long-term.",
         "*Charging slowly* usually means the cable, not the charger. Try another USB-C cable rated for 60W; "
         "cheap ones only do basic charging.",
         "Clean the port. I got a wad of lint out of mine with a wooden toothpick and it went straight back to "
         "fast charging."),
        _sign("Stopping at 80% overnight is Adaptive charging, which protects the battery. For the slow "
              "charging, please check the port for lint and try another cable. Getting warm while fast "
              "charging is normal, but it shouldn't be too hot to hold; if it is, stop using that charger and "
              "contact us at https://lumen.example/care."),
    ),
    Topic(
        ("nova",), ("setup", "esim"),
        ("How do I transfer my eSIM to a new Nova phone?",
         "Moving my number to a Nova phone with eSIM, what's the right order?",
         "eSIM transfer to the Nova without losing my number"),
        "I'm moving from my old phone to a Nova and want to keep my number. My carrier uses eSIM. I'm nervous "
        "about losing the number in the middle of the move.\n\nWhat's the right order of steps?",
        ("Most carriers support a direct transfer: **Settings > Network > SIMs > Add eSIM > Transfer from "
         "another device**. Keep both phones next to each other and unlocked. Took me five minutes.",
         "If the transfer option isn't offered, your carrier has to issue a new QR code. Request it in the "
         "carrier's app on the old phone *before* you wipe it.",
         "Don't wipe the old phone until the Nova shows signal and you've made a test call. The eSIM only "
         "moves once the new phone confirms it."),
        _sign("The Nova supports eSIM transfer with most carriers: **Settings > Network > SIMs > Add eSIM**. Keep "
              "your old phone until the Nova shows signal. If your carrier isn't supported, they can send a new "
              "eSIM QR code. Step-by-step guide: https://lumen.example/support/nova/esim"),
    ),
    Topic(
        ("nova", "pulse"), ("notifications",),
        ("{product} notifications arrive late or not at all",
         "Messages show up on my {product} ten minutes late",
         "{product} stopped vibrating for new messages"),
        "Notifications on my {product} are unreliable. Sometimes messages show up ten minutes late, sometimes "
        "not at all until I open the app. Vibration for messages has also stopped.\n\nDo Not Disturb is off, I "
        "checked.",
        ("Battery optimisation is the usual suspect. Exclude the messaging apps (and the Lumen app) from it: "
         "**Settings > Battery > App battery usage > Unrestricted**.",
         "Check for a Bedtime or Focus schedule. I had a bedtime mode that kept running during the day after a "
         "time zone change and silenced everything.",
         "Look at the app's own notification settings too. After an app update the notification permission "
         "sometimes resets, and then nothing arrives until you open the app."),
        _sign("Delayed notifications are almost always battery optimisation holding the apps back. Please set "
              "the messaging apps and the Lumen app to *Unrestricted* battery use and restart the {short}. "
              "{fw_new} also fixes a bug where vibration stopped after a Do Not Disturb schedule ended."),
    ),
    Topic(
        ("pulse",), ("fitness", "heart-rate"),
        ("Pulse heart rate readings jump around during runs",
         "Pulse shows crazy heart rate numbers while running",
         "Heart rate on the Pulse smartwatch is way off during workouts"),
        "During runs my Pulse smartwatch shows heart rates that make no sense: 95 while sprinting up a hill, "
        "then 185 walking home. At rest it's mostly fine.\n\nWorn on the left wrist, strap fairly tight. "
        "Firmware {fw}.",
        ("Wear it two fingers above the wrist bone, tighter during workouts than during the day. On the bone "
         "the sensor loses contact every time the wrist bends, which gives exactly those jumps.",
         "Optical sensors can lock onto your running cadence instead of your pulse (around 160-180 steps a "
         "minute). If the wrong values match your cadence, that's it. A chest strap paired with the Pulse "
         "fixes it for serious training.",
         "Cold weather makes it worse: less blood flow in the wrist. I warm up for five minutes before starting "
         "the workout and the readings are much steadier."),
        _sign("Please wear the Pulse a finger or two above the wrist bone and snug during workouts, and update to "
              "{fw_new}, which improves cadence-lock detection. The Pulse also pairs with Bluetooth chest straps "
              "under **Workouts > Sensors** if you need beat-by-beat accuracy."),
    ),
    Topic(
        ("pulse",), ("fitness", "sleep"),
        ("Pulse counts steps while I'm driving",
         "Pulse step count is thousands higher than my phone's",
         "Which step count is right, the Pulse or my phone?"),
        "My Pulse counts steps when I'm driving on bumpy roads, and the daily total is often 2,000-3,000 higher "
        "than what my phone says. Sleep tracking is odd too: it claims I was awake for hours when I'm sure I "
        "slept.\n\nWhich one should I trust?",
        ("Set the wrist correctly: **Lumen app > Devices > Pulse > Wearing > Wrist**. If it thinks it's on your "
         "dominant hand it counts more generously. That fixed the driving steps for me.",
         "Phones undercount because they aren't in your pocket all day. The watch is usually closer to the "
         "truth, driving aside.",
         "For sleep: *Sensitive sleep detection* only suits people who sleep very still; for most the normal "
         "mode is more accurate. Also wear it a bit tighter at night."),
        _sign("Please check the wrist setting under **Devices > Pulse > Wearing**; it affects both steps and "
              "sleep. {fw_new} also filters out steps in cars much better. If the numbers are still far off "
              "after a few days, send us a diagnostic log from **Pulse > Settings > Support > Send log**."),
    ),
    Topic(
        ("pulse",), ("fitness", "gps"),
        ("Pulse GPS takes ages to find a signal before a run",
         "Pulse GPS track cuts corners and shortens my runs",
         "Waiting minutes for GPS on the Pulse before every run"),
        "Before every run I stand outside for two or three minutes waiting for my Pulse to find GPS. And the "
        "recorded route cuts corners, so a 10k comes out at 9.6k.\n\nIs there a way to speed it up or make it "
        "more accurate?",
        ("Sync with the Lumen app before you go out. The sync downloads satellite position data; without it the "
         "watch has to find the satellites from scratch. With fresh data mine locks in under 15 seconds.",
         "Switch **Workouts > GPS mode** to *Dual band* for accuracy. It costs more battery, but the track "
         "follows the streets properly.",
         "Open the workout screen while you put your shoes on. By the time you're outside it has usually locked."),
        _sign("The Pulse needs up-to-date satellite data for a fast fix; it refreshes whenever it syncs with the "
              "Lumen app, so a quick sync before heading out helps most. For accuracy in cities, use *Dual band* "
              "GPS mode. {fw_new} also improves corner smoothing."),
    ),
    Topic(
        ("pulse",), ("accessories",),
        ("Where can I buy a replacement strap for the Pulse?",
         "What strap width does the Pulse smartwatch take?",
         "Pulse silicone strap irritates my skin, any alternatives?"),
        "The strap on my Pulse smartwatch is getting worn and it irritates my skin a bit in summer. I'd like "
        "something more breathable.\n\nWhat strap width does it take, and do third-party straps fit?",
        ("It's a standard 22 mm quick-release pin, so any 22 mm strap fits. I use a nylon loop and it's much "
         "nicer in summer.",
         "For the irritation: clean the strap and the back of the watch with mild soap every few days and let "
         "them dry before wearing. Sweat and soap residue under the strap bothered my skin, not the silicone.",
         "The official straps are in the Lumen store: [Pulse straps](https://lumen.example/store/pulse-straps). "
         "The fabric one is lovely."),
        _sign("The Pulse uses standard 22 mm quick-release pins, so most 22 mm straps fit. We sell silicone, "
              "fabric and leather straps at https://lumen.example/store/pulse-straps. If your skin stays "
              "irritated, please take the watch off for a few days and let us know; we track these reports."),
    ),
    Topic(
        ("pulse",), ("water-resistance", "warranty"),
        ("Is the Pulse smartwatch OK for swimming in the sea?",
         "Mist under the Pulse screen after swimming, should I worry?",
         "Can I swim with the Pulse on holiday?"),
        "Going on holiday and I'd like to wear my Pulse smartwatch while swimming, including in the sea. The "
        "box says 5 ATM. Last week after a pool swim I also saw a bit of mist under the glass, which then "
        "disappeared.\n\nShould I be worried?",
        ("5 ATM is fine for swimming, pool or sea. Rinse it with fresh water afterwards; salt and chlorine are "
         "hard on the seals over time. Don't press the buttons underwater.",
         "Mist that disappears is usually a temperature difference, not water getting in: cold water, warm "
         "wrist. If it stays or you see droplets, stop wearing it and contact support.",
         "Use the water lock (swipe down, tap the drop icon) before swimming so the screen ignores the water. "
         "Holding the button at the end pushes water out of the speaker."),
        _sign("The Pulse is rated 5 ATM, so swimming in a pool or the sea is fine; please rinse it with fresh "
              "water afterwards and avoid hot tubs and saunas. Condensation that stays, or droplets under the "
              "glass, should be looked at: please stop using it and contact us at https://lumen.example/care. "
              "Water damage from normal swimming is covered."),
    ),
    Topic(
        ("home",), ("smart-home", "setup"),
        ("Lumen Home hub can't find my new smart plugs",
         "Home hub says 'No new devices found' when adding a plug",
         "New smart plug won't pair with the Lumen Home hub"),
        "My Lumen Home hub doesn't find the smart plugs I just bought. They're in pairing mode (blinking fast), "
        "but the app search ends with *No new devices found*. I have 14 other devices on the hub that work "
        "fine.\n\nHub firmware is {fw}.",
        ("Bring the plug within a couple of metres of the hub for pairing, then move it to where it belongs. "
         "Zigbee devices pair at low power.",
         "Check the hub's Zigbee channel. If your Wi-Fi router is on channel 11 or 13, move the hub to Zigbee "
         "channel 25 (**Hub > Advanced > Radio**). Wi-Fi interference blocked pairing for me.",
         "Some plugs need a full reset before they pair with a new hub: usually holding their button for 10 "
         "seconds until the light blinks quickly. The box instructions often skip that."),
        _sign("Please update the hub to {fw_new}, which supports more third-party plugs, then pair the plug close "
              "to the hub. If it still isn't found, tell us the plug's make and model and we'll check the "
              "compatibility list: https://lumen.example/support/home/compatible-devices"),
    ),
    Topic(
        ("home", "aurora"), ("smart-home", "automations"),
        ("Sunset routine on the {product} runs at the wrong time",
         "{product} turns the lights on at sunset an hour too early",
         "Sunset trigger on my {product} seems to use the wrong city"),
        "I have a routine on my {product} that should turn on the hallway lights at sunset. It fires about an "
        "hour too early or too late depending on the season, as if it's using a different city.\n\nHow does it "
        "work out sunset?",
        ("Sunset uses the home address on the Lumen account. Check **Lumen app > Home > Address**; mine still "
         "had the postcode from before I moved.",
         "You can add an offset: edit the routine, tap the sunset trigger, *Offset: -20 min*. I prefer the lights "
         "on a bit before it's actually dark anyway.",
         "Also check you don't have two copies of the routine, one on the hub and one on a speaker. "
         "**Lumen app > Routines** lists them per device."),
        _sign("Sunset and sunrise are calculated from the home address in **Lumen app > Home > Address**, so "
              "please check it's current. Routines stored on the device pick up a changed address after a "
              "restart ({restart})."),
    ),
    Topic(
        ("beam",), ("hdmi", "setup"),
        ("Beam soundbar doesn't turn on with the TV over HDMI ARC",
         "TV remote volume buttons don't control the Beam",
         "Beam won't follow the TV on and off through HDMI"),
        "My Beam soundbar is connected to the TV's HDMI port marked ARC. Sound works once I turn the Beam on by "
        "hand, but it doesn't turn on with the TV and the TV remote can't change the volume.\n\nThe TV is about "
        "two years old.",
        ("Enable HDMI-CEC on the TV. Every TV maker calls it something different; it's usually under "
         "*External devices* or *HDMI settings*.",
         "Try a different HDMI cable. Old cables pass the picture and sound but not always the control signals. "
         "A certified high-speed cable fixed both problems for me.",
         "Set the TV's digital audio output to *Auto* instead of *PCM*, and the TV speaker output to *External "
         "speaker / HDMI*. Then turn both off at the wall for a minute."),
        _sign("The Beam turns on with the TV through HDMI-CEC, which has to be enabled in the TV's settings "
              "(often under External devices). Please also make sure the Beam is in the port marked ARC or "
              "eARC. If it still won't follow the TV, unplug both for 60 seconds to reset the handshake. Guide: "
              "https://lumen.example/support/beam/hdmi"),
    ),
    Topic(
        ("beam",), ("audio",),
        ("Dialogue is too quiet on the Beam compared to the music",
         "How do I reduce the bass on the Beam at night?",
         "Can't hear what people say in films on the Beam soundbar"),
        "Watching films on the Beam soundbar, I turn the volume up to hear what people are saying, and then the "
        "music and explosions are far too loud. My neighbours aren't impressed.\n\nAre there settings that help?",
        ("Turn on **Speech enhancement** in **Lumen app > Beam > Audio**. It boosts the centre channel. Night "
         "mode on top of that compresses the loud bits.",
         "**Night mode** limits the bass and the peaks. I have it scheduled from 22:00 in the app and it works "
         "great.",
         "Check the TV isn't doing its own processing. Set the TV sound mode to *Standard* and let the Beam do "
         "the decoding. Double surround processing made dialogue muddy for me."),
        _sign("Please try *Speech enhancement* together with *Night mode*, both under **Lumen app > Beam > "
              "Audio**. Night mode can be scheduled, so it switches on automatically in the evening. {fw_new} also "
              "improves dialogue clarity in surround mode."),
    ),
    Topic(
        ("beam",), ("audio", "setup"),
        ("Beam won't connect to the Beam Sub after a power cut",
         "Beam Sub light blinks red and there's no bass",
         "Lost the subwoofer on my Beam after a power outage"),
        "My Beam soundbar and Beam Sub were working fine until a power cut last night. Now the sub's light "
        "blinks red and there's no bass. The Beam itself works.\n\nDo I have to set it all up again?",
        ("Press and hold the pair button on the back of the sub for 5 seconds, then in the app **Beam > Speakers "
         "> Add subwoofer**. Took me two minutes, no full setup needed.",
         "If it happens often, plug the sub into a different socket from the Beam's extension lead. Mine kept "
         "dropping because the lead's surge protector cut out.",
         "Restart the Beam first ({restart}); the sub reconnects by itself about half the time. If not, re-pair "
         "it from the app."),
        _sign("A blinking red light on the Beam Sub means it has lost its link to the soundbar. Hold the pair "
              "button on the back of the sub for 5 seconds and choose **Lumen app > Beam > Speakers > Add "
              "subwoofer**. Your other settings are kept, and {fw_new} reconnects the sub automatically after "
              "power cuts."),
    ),
    Topic(
        ("aurora", "beam"), ("audio", "streaming"),
        ("Music on the {product} stops after exactly one hour",
         "{product} stops playing music after about an hour",
         "Streaming to the {product} from my phone cuts out after an hour"),
        "When I stream music from my phone to my {product}, it stops after about an hour, every time. No error, "
        "it just goes quiet and the phone says it's still playing.\n\nOn {fw}.",
        ("That's the phone going into battery saver and dropping the stream. Use the Lumen app's own music "
         "integration instead of casting from the phone; the {short} then streams directly and the phone can "
         "sleep.",
         "Check the music app for a sleep timer. I'd set one months ago and forgotten; it stopped at 60 minutes "
         "exactly, every night.",
         "If the phone is on Wi-Fi power saving it drops the connection after a while. Turning that off on the "
         "phone fixed it for me."),
        _sign("When you stream from your phone, the phone's battery optimisation can stop the stream; please add "
              "the music app to the unrestricted list, or play through **Lumen app > Music** so the {short} "
              "streams directly. {fw_new} also makes streaming more robust on busy Wi-Fi."),
    ),
    Topic(
        ("app",), ("account",),
        ("Lumen app keeps signing me out every few days",
         "Can't sign in to the Lumen app, it says 'Session expired' every time",
         "Lumen app {fw} says my session expired straight after signing in"),
        "The Lumen app ({fw}) keeps signing me out, and when I try to sign in again it says *Session expired* "
        "before I've even typed my password. Signing in on the website works.\n\nPhone: {phone}.",
        ("Check your phone's date and time are set automatically. If the clock is a few minutes off, the "
         "sign-in token looks expired. That was exactly my problem.",
         "Clear the app's storage, not just the cache: **Settings > Apps > Lumen > Storage > Clear storage**. "
         "Your devices stay on your account; you just sign in again.",
         "If you use a VPN, try without it. Mine changed country mid-session and the app treated that as a "
         "suspicious sign-in."),
        _sign("*Session expired* right away usually means the phone's clock is off, so please turn on automatic "
              "date and time. If that's not it, update to {fw_new} and clear the app's storage; your devices and "
              "settings are kept on your account."),
    ),
    Topic(
        ("app",), ("account", "security"),
        ("Two-factor code for my Lumen account never arrives",
         "Not receiving the sign-in code email from Lumen",
         "Locked out of my Lumen account, verification code never comes"),
        "I turned on two-step verification for my Lumen account, and now the email with the code never arrives "
        "when I sign in on a new device. I've waited an hour and requested it five times.\n\nHow do I get back "
        "in?",
        ("Check the spam folder and add no-reply@lumen.example to your contacts. Mine were all in spam.",
         "Switch to an authenticator app under **Account > Security > Two-step verification** once you're in. "
         "Much more reliable than emailed codes.",
         "When you turned it on you got backup codes; they work instead of the emailed code. I'd saved mine in "
         "my password manager without realising."),
        _sign("Please check your spam folder first; some providers delay our emails. You can also use one of the "
              "backup codes you were given when you enabled two-step verification. If neither works, contact us "
              "at https://lumen.example/care from the email address on the account and we'll verify you and "
              "restore access."),
        official=True,
    ),
    Topic(
        ("app",), ("troubleshooting",),
        ("Lumen app crashes on launch after updating to {fw}",
         "Lumen app closes as soon as I open it",
         "Lumen app {fw} crashes straight after the splash screen"),
        "Since the update to {fw}, the Lumen app crashes as soon as I open it. I see the logo for a second and "
        "then it closes. Reinstalling didn't help.\n\n```\nLumen app {fw}\nPhone: {phone}\nCrash on start: yes\n"
        "Reinstalled: yes\n```",
        ("Check you have enough free storage. The app needs about 500 MB free to unpack its data on the first "
         "launch after an update; with a full phone it crashes exactly like that.",
         "If you have a VPN or an ad blocker, turn it off for a moment. Mine blocked the app's configuration "
         "download and the app crashed instead of showing an error.",
         "Update the system WebView component from the app store. The Lumen app uses it for a few screens, and "
         "an old version crashed it on my phone."),
        _sign("We're sorry about this. A crash on start in {fw} affected some phones with an older system "
              "WebView; version {fw_new} is rolling out now and fixes it. Until it reaches you, updating the "
              "system WebView from the app store works around it."),
    ),
    Topic(
        ("app",), ("account", "setup"),
        ("All my devices disappeared from the Lumen app",
         "Lumen app shows an empty device list",
         "My Lumen devices vanished from the app overnight"),
        "I opened the Lumen app this morning and my devices list was empty. Everything still works with voice "
        "and the buttons, but I can't control anything from the app.\n\nDid I get signed into a different "
        "account somehow?",
        ("Check **Profile** for the email you're signed in with. I had two accounts (one through Google "
         "sign-in, one with email) and the app had switched to the empty one.",
         "Pull down to refresh on the devices page and give it a minute. During outages the list sometimes "
         "shows empty for a while; mine came back by itself.",
         "If you share a home with someone, check you're in the right home: tap the home name at the top of "
         "the devices page. Mine had switched to my parents' home."),
        _sign("Your devices are tied to the account, not the phone, so they'll be back once you're signed into "
              "the right account; check the email under **Profile**. If the list is still empty, please contact "
              "us at https://lumen.example/care and we'll check which account the devices are registered to."),
    ),
    Topic(
        ("app",), ("account", "privacy"),
        ("How do I change the email address on my Lumen account?",
         "How do I delete my Lumen account and all my data?",
         "Can I download a copy of my data from Lumen?"),
        "I'm moving away from my old email provider and need to change the email on my Lumen account. I don't "
        "see an option in the app.\n\nAlso, while we're at it: what data do you keep, and can I get a copy or "
        "delete it?",
        ("It's on the website, not in the app: sign in at https://lumen.example/account, then **Profile > "
         "Email**. You get a confirmation link at the new address.",
         "The data export is under **Account > Privacy > Download my data**. It takes a day or so and you get "
         "an email with a zip of CSV and JSON files."),
        _sign("You can change your email at https://lumen.example/account under **Profile > Email**; we confirm "
              "the change at both addresses. A full export is under **Account > Privacy > Download my data**, and "
              "that's also where you can delete the account. Deletion becomes final after 30 days."),
        technical=False, official=True,
    ),
    Topic(
        ("app",), ("fitness", "data-export"),
        ("Export workout history from the Lumen app to a spreadsheet",
         "Can I export my runs with heart rate from the Lumen app?"),
        "I've got two years of runs in the Lumen app and want to analyse them in a spreadsheet. Is there an "
        "export, ideally with heart rate and pace?",
        ("Yes: **Lumen app > Profile > Fitness data > Export**. You can export each workout as GPX or FIT, or "
         "everything as one CSV. The CSV has a row per workout with averages; for second-by-second heart rate "
         "you need the FIT files.",
         "You can also connect the Lumen app to other fitness platforms under **Profile > Connected apps**; new "
         "workouts then sync automatically, and most of those platforms export to spreadsheets."),
        _sign("Everything can be exported under **Lumen app > Profile > Fitness data > Export**: a CSV summary, "
              "or GPX and FIT files per workout with the full heart rate and pace data. A complete account "
              "export is also available under **Account > Privacy > Download my data**."),
    ),
    Topic(
        ("app",), ("billing", "subscription"),
        ("How do I cancel my Lumen+ subscription?",
         "Lumen+ charged me after I cancelled the free trial",
         "Charged for a year of Lumen+ after the trial, how do I get a refund?"),
        "I signed up for the Lumen+ trial when I set up my devices, and I've just been charged for a full year "
        "even though I thought I'd cancelled it in the app.\n\nHow do I cancel for real, and can I get the "
        "money back?",
        ("If you subscribed through your phone's app store, you have to cancel in the store's subscriptions "
         "page, not in the Lumen app. That caught me out too.",
         "Refunds for app store subscriptions go through the store (there's a *Report a problem* page). Mine "
         "was refunded within two days.",
         "For what it's worth, Lumen+ gives 30-day history for routines, extra automation triggers and the "
         "advanced sleep insights on the Pulse. I kept it for the sleep data, but most people won't miss it."),
        _sign("If you subscribed through an app store, cancellation and refunds go through the store. If you "
              "subscribed on our website, cancel under **Account > Subscriptions** at "
              "https://lumen.example/account. Contact us within 14 days of a renewal and we'll refund an "
              "unwanted charge in full."),
        technical=False, official=True,
    ),
    Topic(
        DEVICES, ("warranty",),
        ("How do I make a warranty claim for my {product}?",
         "My {product} stopped working after 13 months. Still under warranty?",
         "Does the warranty on a second-hand {product} still apply?"),
        "My {product} stopped working properly and I think it should be covered. I bought it a little over a "
        "year ago from an online shop and still have the order confirmation email.\n\nWhat do I need to start a "
        "claim, and how long does it usually take?",
        ("Lumen hardware has a 2-year warranty in most countries, so a year in is fine. Claims are at "
         "https://lumen.example/care; you need the serial number and the receipt (the email confirmation "
         "counted for me).",
         "My claim took about 8 days from form to replacement. They sent a box and a prepaid label; I didn't "
         "pay anything.",
         "The warranty is tied to the device, not the owner, so it transfers if you bought it second-hand. Ask "
         "the seller for the original receipt though; without it they go by the manufacturing date."),
        _sign("All Lumen hardware has a 2-year warranty from the purchase date, and it stays with the device if "
              "it's sold on. Please start a claim at https://lumen.example/care with the serial number (see "
              "{about}) and your order email. We usually ship a replacement within 5 working days of receiving "
              "the faulty unit."),
        technical=False, official=True,
    ),
    Topic(
        DEVICES, ("shipping", "orders"),
        ("My {product} order has been 'processing' for a week",
         "Tracking for my {product} hasn't updated in five days",
         "Still waiting for my {product} order, no shipping update"),
        "I ordered the {product} from the Lumen store eight days ago. The order page still says *Processing*, "
        "and the tracking link shows nothing since the label was created. The confirmation email said 2-4 "
        "days.\n\nIs there a backlog right now?",
        ("Around launches and sales they batch orders. Mine sat in *Processing* for six days and then arrived "
         "two days later. Annoying, but it did come.",
         "Tracking often doesn't update between the warehouse and the local depot. Check the courier's own "
         "site with the tracking number; it's usually more current than the Lumen order page.",
         "Check the email address on the order for a message about address verification. Mine was held because "
         "the flat number was missing, and the email had gone to spam."),
        _sign("Sorry for the wait. If your order has been *Processing* for more than 5 working days, please send "
              "us the order number (it starts with LM-) through https://lumen.example/care rather than posting "
              "it here, and we'll chase it with the warehouse today."),
        technical=False, official=True,
    ),
    Topic(
        DEVICES, ("returns",),
        ("How do I return the {product} I got as a gift?",
         "Can I still return the {product} after opening the box?",
         "Returning the {product} without a receipt"),
        "I'd like to return the {product} I was given. It's opened but in perfect condition, with everything in "
        "the box. I don't have the receipt myself because it was a gift.\n\nHow does a return work in this case?",
        ("Returns within 30 days are fine even when opened, as long as everything is in the box. Start it on "
         "https://lumen.example/returns with the order number.",
         "For gifts, the person who bought it can start the return and put your address on the label. The "
         "refund goes to their payment method, so agree on that first.",
         "If the return label doesn't scan at the drop-off point, you can reissue it on the returns page. Mine "
         "had expired after 14 days."),
        _sign("You can return any Lumen product within 30 days of delivery, opened or not, as long as it's "
              "complete. For gifts, the buyer can start the return at https://lumen.example/returns, or contact "
              "us and we'll offer you store credit instead. Return labels are valid for 14 days and can be "
              "reissued on the same page."),
        technical=False, official=True,
    ),
    Topic(
        ("x200", "aurora", "nova", "pulse", "beam"), ("billing", "orders"),
        ("Charged twice for my {product} order",
         "Two identical card charges for one {product} order",
         "Promo code not applied to my {product} order"),
        "I bought the {product} on the Lumen store and my bank shows two charges of the same amount on the same "
        "day, although I only have one order confirmation. I'd also entered a promo code that doesn't seem to "
        "have been applied.\n\nWho do I contact, and will the second charge disappear on its own?",
        ("One of those is probably a pre-authorisation that drops off after 3-5 working days. Mine did. If both "
         "are still there after a week, contact Lumen Care.",
         "Promo codes only apply if entered before payment, and the order summary shows the discount. If it's "
         "missing, Lumen Care refunded me the difference within a few days."),
        _sign("Often the second line is a card pre-authorisation, which your bank releases within 5 working "
              "days. If both charges are still showing after that, please send us the order number via "
              "https://lumen.example/care (not here, to keep your details private) and we'll refund the "
              "duplicate, and the promo discount, right away."),
        technical=False, official=True,
    ),
    Topic(
        ("aurora", "home", "beam"), ("setup", "wifi"),
        ("First-time setup of the {product} fails at 'Connecting to Lumen'",
         "{product} setup says 'Setup couldn't complete'",
         "New {product} won't finish setup in the Lumen app"),
        "Just unboxed my {product}. The Lumen app finds it, I pick my Wi-Fi and type the password, and then it "
        "sits at *Connecting to Lumen...* for a few minutes and fails with *Setup couldn't complete*.\n\nTried "
        "three times now:\n\n1. restarted the phone\n2. unplugged the {short}\n3. moved it next to the router",
        ("Turn off mobile data on the phone during setup. The app joins the {short}'s temporary network, and "
         "some phones then send the app's traffic over mobile data instead.",
         "Check the Wi-Fi password very carefully, especially capitals. The app doesn't check it until the last "
         "step, so a typo shows up as this generic error.",
         "If your router has a guest network or *client isolation*, set it up on the main network. The {short} "
         "and the phone need to see each other.",
         "Give the Lumen app location permission. It needs it to scan for Wi-Fi networks, and without it setup "
         "fails at the end."),
        _sign("This error is most often the Wi-Fi password or the phone switching to mobile data. Please turn "
              "mobile data off, stay close to the {short}, and try once more. Setup guide: "
              "https://lumen.example/support/{key}/setup"),
    ),
    Topic(
        DEVICES, ("troubleshooting",),
        ("How do I factory reset the {product} before selling it?",
         "Wiping my {product} properly for the next owner",
         "Does a factory reset remove the {product} from my Lumen account?"),
        "I'm selling my {product} and want to wipe it properly so the next owner can set it up as new. Does it "
        "stay linked to my Lumen account after a reset?\n\nI couldn't find the steps in the manual.",
        ("Remove it from your account *first* (**Lumen app > Devices > {short} > Remove device**), then reset "
         "it: {reset}. That way the buyer never sees *owned by another account*.",
         "A reset on the device alone doesn't unlink it from your account, so don't skip removing it in the app. "
         "I learned that the hard way when my buyer couldn't add it.",
         "Also take any accessories and the original box if you still have them; buyers ask for the receipt "
         "for the warranty, which transfers to them."),
        _sign("Please remove the {short} from your account first (**Lumen app > Devices > {short} > Remove "
              "device**), then {reset}. That erases your settings and unlinks it, so the new owner can set it "
              "up as new. Thanks for passing it on properly!"),
    ),
    Topic(
        ("x200",), ("accessories",),
        ("X200 ear tips keep falling out while running",
         "X200 earbuds won't stay in my ears",
         "Which ear tip size fits best on the X200 for sport?"),
        "My X200 earbuds slowly work their way out of my ears when I run, and the right one fell out on the road "
        "last week. Sound and noise cancelling are great when they sit properly.\n\nAny tips before I give up "
        "and buy sports earbuds?",
        ("The medium tips come fitted; the box has small and large too. Lots of people need a different size in "
         "each ear. Run the fit test in the app after swapping.",
         "Twist them in: insert with the stem pointing forward, then rotate back towards your jaw. They lock "
         "behind the ridge of the ear that way.",
         "Memory foam tips changed everything for me; they don't budge. Any tips for 4.5 mm nozzles fit."),
        _sign("The X200 comes with medium tips fitted and small and large in the box; the *Ear tip fit test* in "
              "**Lumen app > Devices > X200 > Noise control** helps to pick the right size for each ear. If "
              "you'd like foam tips, we sell them at https://lumen.example/store/x200-tips."),
    ),
    Topic(
        ("nova",), ("storage", "firmware"),
        ("Nova says storage is full but my files are only 40 GB",
         "What is 'Other' taking up so much storage on my Nova?",
         "Nova storage almost full after the {fw} update"),
        "My Nova phone keeps warning *Storage almost full*, but when I add up photos, apps and music I get "
        "around 40 GB out of 128 GB. It's also a bit slower since the update to {fw}.\n\nWhat is using the rest?",
        ("**Settings > Storage > Other** is mostly app caches and messaging attachments. Chat apps with videos "
         "can take 20 GB without you noticing; clear them in the chat app's own storage manager.",
         "Recently deleted photos stay for 30 days. Empty the bin in the gallery; that gave me 11 GB back.",
         "The slowness after a big update usually goes after a day or two while the phone re-optimises apps in "
         "the background. Leave it on charge overnight once and it's done."),
        _sign("*Other* storage includes app caches, the photo bin and downloaded update files. **Settings > "
              "Storage > Free up space** shows the biggest items. The update file from {fw} is removed "
              "automatically once {fw_new} installs."),
    ),
    Topic(
        ("pulse",), ("display", "watch-faces"),
        ("Pulse always-on display keeps switching itself off",
         "Always-on display on the Pulse turns off after a day",
         "Pulse keeps forgetting my always-on display setting"),
        "The always-on display on my Pulse keeps switching itself off after a day or so, and I have to enable it "
        "again in settings. Also wondering whether custom watch faces are possible.\n\nOn {fw}.",
        ("Always-on turns itself off when battery saver kicks in below 20% and doesn't come back by itself. "
         "Turn off *Automatic battery saver* in **Settings > Battery**.",
         "Custom faces: the Lumen app has a face editor under **Devices > Pulse > Watch faces > Create**, "
         "including photo faces. You can pick the complications too.",
         "Some watch faces don't support always-on and switch it off when selected. The classic faces all do."),
        _sign("Always-on display is switched off by battery saver to save power, and stays off until you turn it "
              "back on. {fw_new} changes that, so it comes back once the watch is charged. You can create your "
              "own faces in **Lumen app > Devices > Pulse > Watch faces > Create**."),
    ),
)

MEMBERS = (
    "demo", "maria.k", "tomhollis", "jenny_w", "ananya.dev", "kwame88", "lucas.ferreira", "soundchaser",
    "nightowl_rin", "oskar-b", "hannah.lee", "pedro_m", "greta.s", "ravi.k", "mei_lin", "sam.okafor",
    "chloe.d", "fionnmc", "diego.r", "yuki_t", "bea.nguyen", "marcus.j", "lena_schmidt", "aaron-p",
    "sofia.rossi", "nadia_h", "joe.bennett", "priyanka.s", "olu_adeyemi", "kasia.w", "ben.carter", "emre.y",
    "ingrid.l", "tariq.a", "zoe_runs", "mattk", "ellie.morgan", "hugo.v", "amara.o", "felix_b", "rosa.g",
    "jin.park", "audiophile42", "gadgetgran", "weekendcoder", "trailrunner_mo",
)
AGENTS = {"LumenCare-Sam": "Sam", "LumenCare-Priya": "Priya", "LumenCare-Joel": "Joel"}
MODERATOR = "LumenMod-Elena"
STAFF = (("admin", "admin"), *((name, "agent") for name in AGENTS), (MODERATOR, "moderator"))

OPENERS = ("", "", "", "Hi all, ", "Long-time lurker, first post. ",
           "Bought my {short} in {month} and it was great until recently. ")
CLOSINGS = ("", "", "Any ideas?", "Thanks in advance!", "Anyone else seeing this?", "Would appreciate any help.")
MONTHS = ("January", "March", "April", "June", "August", "October", "November", "December")
PHONES = ("Android 14", "Android 13", "iOS 17", "iOS 16", "a Nova phone on 14.2")
ANSWER_OPENERS = ("", "", "", "Had exactly this last month. ", "I had the same thing with mine. ",
                  "This comes up a lot. ", "Same here a while ago. ")
ANSWER_CLOSINGS = ("", "", "", "\n\nHope that helps!", "\n\nGood luck!", "\n\nLet us know if that sorts it.")
GENERIC_ANSWERS = (
    "Not sure it's the same cause, but a restart fixed something very similar for me: {restart}. Worth trying "
    "before anything drastic.",
    "Make sure everything is up to date first; {about} shows the version. {fw_new} fixed a couple of odd issues "
    "on mine.",
    "Had something like this last year. In the end Lumen Care sorted it out through https://lumen.example/care, "
    "quicker than I expected. Include the serial number and a list of what you've already tried.",
    "Turn on the diagnostics log (**Lumen app > Profile > Help > Diagnostics**) and make the problem happen once. "
    "If it comes to a claim, Lumen Care can see exactly what went wrong.",
)
SELF_ANSWER = ("Answering my own question in case it helps someone: in the end a full reset did it ({reset}). "
               "It's been fine ever since.")
# Follow-up comments on a question, each with the asker's reply (or None).
TECH_FOLLOWUPS = (
    ("Which version are you on?", "{fw}, updated about a week ago."),
    ("Did this start after an update, or has it always been like this?", "Pretty sure it started after the "
                                                                         "last update."),
    ("Android or iPhone?", "{phone}."),
    ("Have you tried a restart? I'd {restart}; it sorts out more than you'd think.",
     "Yes, a couple of times. No change."),
    ("Is this the only Lumen device you have, or do the others do it too?", "Just this one, the rest are fine."),
)
GENERAL_FOLLOWUPS = (
    ("Same here, following.", None),
    ("Same problem with my {short}. Following this one.", None),
    ("Have you contacted Lumen Care yet? They were helpful when I had a similar issue.", "Not yet, I wanted to "
                                                                                        "check here first."),
    ("How long ago did you buy it? Might matter for the warranty.", "About a year ago."),
)
ANSWER_COMMENTS = (
    "Worked for me too, thanks.", "Good tip, I didn't know about that setting.", "+1, this fixed mine as well.",
    "Saved me a trip to the shop, cheers.", "Thanks, trying this now.",
    "Clear and simple, thanks for writing it up.", "Does this also work on older firmware?",
    "Didn't help in my case, unfortunately.",
)
ACCEPT_COMMENTS = ("That fixed it, thanks!", "Perfect, that did it. Thank you!", "Worked first time. Much "
                   "appreciated.", "Brilliant, all good now.", "That was it! Can't believe I missed that.")
STUCK_COMMENTS = ("Tried this, no luck so far unfortunately.", "Thanks, I'll try that tonight and report back.",
                  "Did that; it helped for a day and then started again.", "Already tried that, sadly. Still "
                  "the same.")
STAFF_COMMENTS = ("Hi {asker}, Lumen Care here. Could you send us your serial number through "
                  "https://lumen.example/care? We'd like to take a closer look.",
                  "Lumen Care here: thanks for the report, we're looking into this and will update the thread.")
MODERATOR_COMMENTS = ("Tip: adding your firmware version to the question helps people answer faster.",
                      "Moderator note: please keep order numbers and serials out of public posts; Lumen Care "
                      "can look them up privately.")

# The plan --------------------------------------------------------------------------------


@dataclass
class Note:
    """A comment."""

    author: str
    text: str
    at: datetime


@dataclass
class Reply:
    """An answer with its votes and comments."""

    author: str
    body: str
    at: datetime
    votes: list = field(default_factory=list)  # (voter, value, at)
    comments: list = field(default_factory=list)


@dataclass
class Thread:
    """A question with everything that happens to it."""

    asker: str
    title: str
    tags: list
    body: str
    asked_at: datetime
    votes: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    answers: list = field(default_factory=list)
    accepted: int | None = None  # index into answers
    last_activity_at: datetime | None = None
    views: int = 0


@dataclass
class Account:
    """A demo account; every one signs in with DEMO_PASSWORD."""

    username: str
    role: str
    joined: datetime


@dataclass
class Community:
    """Everything `seed` will create, in order."""

    accounts: list
    threads: list

    def summary(self):
        """How many of each thing, for the command line."""
        answers = [answer for thread in self.threads for answer in thread.answers]
        return {
            "members": sum(a.role == "member" for a in self.accounts),
            "staff": sum(a.role != "member" for a in self.accounts),
            "questions": len(self.threads),
            "answers": len(answers),
            "accepted answers": sum(t.accepted is not None for t in self.threads),
            "comments": sum(len(t.comments) for t in self.threads) + sum(len(a.comments) for a in answers),
            "votes": sum(len(t.votes) for t in self.threads) + sum(len(a.votes) for a in answers),
            "tags": len({tag for t in self.threads for tag in t.tags}),
        }


def _fill(text, values):
    """A content template with its {placeholders} filled in."""
    return text.format_map(values)


def _after(rng, start, now, mean_hours):
    """A moment after `start` (about `mean_hours` later) that is never later than `now`."""
    moment = start + timedelta(hours=rng.expovariate(1 / mean_hours), minutes=2)
    if moment >= now:
        moment = start + (now - start) * rng.uniform(0.2, 0.9)
    return moment


class _People:
    """Who takes part, since when, and how eagerly: a few regulars do most of the asking and answering."""

    FOUNDERS = 16  # members from before the history starts, so the first questions find answerers

    def __init__(self, rng, now):
        start = now - HISTORY
        self.joined = {"admin": start - timedelta(days=200)}
        for name, _ in STAFF[1:]:
            self.joined[name] = start - timedelta(days=rng.uniform(60, 190))
        for rank, name in enumerate(rng.sample(MEMBERS, len(MEMBERS))):
            if rank < self.FOUNDERS:
                self.joined[name] = start - timedelta(days=rng.uniform(1, 150))
            else:
                self.joined[name] = start + HISTORY * rng.uniform(0.02, 0.97)
        self.joined["demo"] = start - timedelta(days=30)  # the documented login has a long history
        self.ask_weights = self._weights(rng)
        self.answer_weights = self._weights(rng)

    def accounts(self):
        """Every account with its role and join date, the admin first."""
        return [Account(name, role, self.joined[name]) for name, role in STAFF] + [
            Account(name, "member", self.joined[name]) for name in MEMBERS]

    @staticmethod
    def _weights(rng):
        order = rng.sample(MEMBERS, len(MEMBERS))
        weights = {name: 1 / (rank + 1) ** 0.5 for rank, name in enumerate(order)}
        weights["demo"] = 0.4  # enough posts that the documented login shows a lived-in profile
        return weights

    def member(self, rng, weights, at, exclude=()):
        """A member who had joined by `at`, favouring the heavier weights."""
        pool = [name for name in MEMBERS if name not in exclude and self.joined[name] < at]
        return rng.choices(pool, [weights[name] for name in pool])[0]

    def voter(self, rng, at, exclude):
        """Anyone, staff included, who had joined by `at`."""
        return rng.choice([name for name in self.joined if name not in exclude and self.joined[name] < at])


def _pick_questions(rng):
    """(topic, product, title, versions) for QUESTIONS distinct titles, spread evenly over the topics."""
    queues = []
    for topic in TOPICS:
        combos = []
        for key in topic.products:
            versions = PRODUCTS[key].versions
            for title in topic.titles:
                index = rng.randrange(len(versions) - 1)
                combos.append((topic, key, title, versions[index], versions[index + 1]))
        rng.shuffle(combos)
        queues.append(combos)
    picked, titles = [], set()
    while len(picked) < QUESTIONS and any(queues):
        for queue in rng.sample(queues, len(queues)):
            while queue and len(picked) < QUESTIONS:
                topic, key, template, fw, fw_new = queue.pop()
                title = _fill(template, _values(key, fw, fw_new))
                if title not in titles:
                    titles.add(title)
                    picked.append((topic, key, title, fw, fw_new))
                    break
    return picked


def _values(key, fw, fw_new):
    product = PRODUCTS[key]
    return {"product": product.name, "short": product.short, "key": key, "fw": fw, "fw_new": fw_new,
            "about": product.about, "restart": product.restart, "reset": product.reset}


def _question_times(rng, now, count):
    """Ask times over HISTORY, busier lately as the community grew, with a handful from the last few days."""
    start = now - HISTORY
    recent = 6
    times = [start + HISTORY * rng.random() ** 0.8 for _ in range(count - recent)]
    times += [now - timedelta(hours=rng.uniform(1, 96)) for _ in range(recent)]
    return sorted(min(t, now - timedelta(minutes=30)) for t in times)


def _question_body(rng, topic, key, values):
    """The topic's question with a personal opening, sometimes the device's About page, and a sign-off."""
    parts = [_fill(rng.choice(OPENERS), values) + _fill(topic.body, values)]
    if topic.technical and "```" not in topic.body and rng.random() < 0.3:
        product = PRODUCTS[key]
        if key == "app":
            lines = [("Lumen app", values["fw"]), ("Phone", values["phone"])]
        else:
            lines = [("Device", f"{product.name} ({product.model})"), ("Firmware", values["fw"]),
                     ("Lumen app", rng.choice(PRODUCTS["app"].versions[1:]))]
        block = "\n".join(f"{label + ':':<11}{value}" for label, value in lines)
        parts.append(f"Here's what the About page says:\n\n```\n{block}\n```")
    closing = rng.choice(CLOSINGS)
    if closing:
        parts.append(closing)
    return "\n\n".join(parts)


def _plan_answers(rng, now, topic, thread, values, people, resolved):
    """The answers (members' and an official one) in order; returns the index the asker accepts, if any."""
    count = rng.choices(range(1, 9), (22, 28, 22, 12, 7, 4, 3, 2))[0]
    if now - thread.asked_at < timedelta(days=1):
        count = min(count, 2)
    official = rng.random() < (0.75 if topic.official else 0.3)
    generic = GENERIC_ANSWERS if topic.technical else ()
    texts = (rng.sample(topic.answers, len(topic.answers)) + rng.sample(generic, len(generic)))[:count - official]
    # (author, body); a member author is chosen once the moment is known, among those who had joined by then.
    replies = [(None, rng.choice(ANSWER_OPENERS) + _fill(text, values) + rng.choice(ANSWER_CLOSINGS))
               for text in texts]
    if official:
        agent = rng.choice(list(AGENTS))
        replies.insert(rng.randrange(len(replies) + 1), (agent, _fill(topic.staff, {**values, "agent": AGENTS[agent]})))
    self_answer = resolved and topic.technical and rng.random() < 0.05
    if self_answer:
        replies.append((thread.asker, _fill(SELF_ANSWER, values)))

    delays = [timedelta(hours=rng.expovariate(1 / (6 if i == 0 else 18)), minutes=10) for i in range(len(replies))]
    squeeze = min(1.0, (now - thread.asked_at) * 0.8 / sum(delays, timedelta()))
    at, taken = thread.asked_at, {thread.asker}
    for (author, body), delay in zip(replies, delays, strict=True):
        at += delay * squeeze
        author = author or people.member(rng, people.answer_weights, at, taken)
        taken.add(author)
        thread.answers.append(Reply(author, body, at))
    if not resolved:
        return None
    if self_answer:
        return len(thread.answers) - 1
    official_index = [i for i, reply in enumerate(thread.answers) if reply.author in AGENTS]
    if official_index and rng.random() < 0.5:
        return official_index[0]
    return rng.choices(range(len(thread.answers)), [1 / (i + 1) for i in range(len(thread.answers))])[0]


def _plan_comments(rng, now, topic, thread, values, people):
    """Follow-ups under the question, remarks under answers, and the asker's word on what worked."""
    followups = GENERAL_FOLLOWUPS + (TECH_FOLLOWUPS if topic.technical else ())
    for question_text, reply_text in rng.sample(followups, rng.choices((0, 1, 2), (45, 40, 15))[0]):
        at = _after(rng, thread.asked_at, now, 8)
        note = Note(people.member(rng, people.answer_weights, at, {thread.asker}), _fill(question_text, values), at)
        thread.comments.append(note)
        if reply_text:
            thread.comments.append(Note(thread.asker, _fill(reply_text, values), _after(rng, note.at, now, 4)))
    if rng.random() < 0.04:
        thread.comments.append(Note(MODERATOR, rng.choice(MODERATOR_COMMENTS), _after(rng, thread.asked_at, now, 24)))
    if thread.accepted is None and not any(a.author in AGENTS for a in thread.answers) and rng.random() < 0.12:
        thread.comments.append(Note(rng.choice(list(AGENTS)), _fill(rng.choice(STAFF_COMMENTS), values),
                                    _after(rng, thread.asked_at, now, 30)))
    for index, answer in enumerate(thread.answers):
        taken = {answer.author, thread.asker}
        for _ in range(rng.choices((0, 1, 2), (65, 27, 8))[0]):
            at = _after(rng, answer.at, now, 30)
            author = people.member(rng, people.answer_weights, at, taken)
            taken.add(author)
            answer.comments.append(Note(author, rng.choice(ANSWER_COMMENTS), at))
        if answer.author == thread.asker:
            continue
        if index == thread.accepted and rng.random() < 0.55:
            answer.comments.append(Note(thread.asker, rng.choice(ACCEPT_COMMENTS), _after(rng, answer.at, now, 6)))
        elif thread.accepted is None and rng.random() < 0.3:
            answer.comments.append(Note(thread.asker, rng.choice(STUCK_COMMENTS), _after(rng, answer.at, now, 10)))


def _plan_votes(rng, now, thread, people):
    """Up and down votes from others who had joined by then; accepted and official answers attract more."""
    damp = 0.5 if now - thread.asked_at < timedelta(days=3) else 1.0

    def votes(author, at, ups, downs):
        voters, result = {author}, []
        for index in range(int(ups * damp) + downs):
            moment = _after(rng, at, now, 48)
            voter = people.voter(rng, moment, voters)
            voters.add(voter)
            result.append((voter, -1 if index < downs else 1, moment))
        return result

    ups = rng.choices(range(7), (14, 24, 22, 16, 11, 8, 5))[0]
    thread.votes = votes(thread.asker, thread.asked_at, ups, rng.choices((0, 1, 2), (86, 11, 3))[0])
    for index, answer in enumerate(thread.answers):
        if index == thread.accepted:
            ups = rng.randint(1, 6)
        elif answer.author in AGENTS:
            ups = rng.randint(0, 4)
        else:
            ups = rng.choices(range(5), (35, 28, 18, 12, 7))[0]
        answer.votes = votes(answer.author, answer.at, ups, rng.choices((0, 1, 2), (90, 8, 2))[0])


def _plan_thread(rng, now, pick, asked_at, people):
    """One question and everything that happens to it, up to `now`."""
    topic, key, title, fw, fw_new = pick
    asker = people.member(rng, people.ask_weights, asked_at)
    values = {**_values(key, fw, fw_new), "asker": asker, "phone": rng.choice(PHONES), "month": rng.choice(MONTHS)}
    tags = [PRODUCTS[key].tag, *topic.tags]
    if topic.technical and "troubleshooting" not in tags and rng.random() < 0.1:
        tags.append("troubleshooting")
    thread = Thread(asker, title, tags, _question_body(rng, topic, key, values), asked_at)
    recent = now - asked_at < timedelta(days=2)
    state = rng.choices(("unanswered", "open", "resolved"), (50, 35, 15) if recent else (10, 27, 63))[0]
    if state != "unanswered":
        thread.accepted = _plan_answers(rng, now, topic, thread, values, people, state == "resolved")
    _plan_comments(rng, now, topic, thread, values, people)
    _plan_votes(rng, now, thread, people)
    moments = [asked_at] + [note.at for note in thread.comments]
    for answer in thread.answers:
        moments += [answer.at] + [note.at for note in answer.comments]
    if thread.accepted is not None:
        accepted = thread.answers[thread.accepted]
        moments.append(_after(rng, max([accepted.at] + [n.at for n in accepted.comments]), now, 2))
    thread.last_activity_at = max(moments)
    age_days = (now - asked_at) / timedelta(days=1)
    thread.views = int(rng.uniform(2, 15) + age_days * rng.uniform(0.3, 3.0) + len(thread.answers) * rng.randint(4, 30)
                       + len(thread.votes) * rng.randint(5, 15))
    return thread


def plan(seed=2026, *, now):
    """The whole community as plain data, without touching the database: the same seed gives the same one.

    `now` is a naive UTC datetime; every moment falls in the HISTORY before it.
    """
    rng = random.Random(seed)
    people = _People(rng, now)
    picks = _pick_questions(rng)
    rng.shuffle(picks)
    threads = [_plan_thread(rng, now, pick, asked_at, people)
               for pick, asked_at in zip(picks, _question_times(rng, now, len(picks)), strict=True)]
    return Community(people.accounts(), threads)


# Loading ---------------------------------------------------------------------------------


def seed(seed=2026, *, now):
    """Build the demo community as of `now` through the real services; returns {what: how many}.

    Raises Conflict, before writing anything, when a demo username or email is already taken.
    """
    community = plan(seed, now=now)
    users = _create_accounts(community.accounts, now)
    stamps = _Timestamps()
    with notification_services.without_email():  # fictional members: notifications, but no email
        with holds.trusted_load():  # written by us: no new-member holds or hourly posting limits
            for thread in community.threads:
                _load_thread(thread, users, stamps)
        stamps.save(users, community.accounts)
        _replay_care_sweeps(now)
        _flag_examples(users, stamps, now)
    return community.summary()


def _flag_examples(users, stamps, now):
    """Two flagged posts waiting in the moderation queue (below the hiding threshold), so the moderator has work."""
    members = [user for user in users.values() if user.role == "member"]
    for model, pk, reason, text in ((Comment, stamps.comments[0]["pk"], "off-topic", None),
                                    (Answer, stamps.answers[-1]["pk"], "other", "Looks copied from the manual")):
        post = db.session.get(model, pk)
        flaggers = [user for user in members if user.id != post.author_id][:2 if reason == "off-topic" else 1]
        for flagger in flaggers:
            moderation.flag_post(flagger, post, reason, text, now=now)


def _replay_care_sweeps(now):
    """A living care queue: forget items made while loading (at load-time clocks), then replay the
    cron sweeps of the last hours on the backdated threads, so some clocks run and some have breached."""
    from app.care import sweep
    from app.care.models import CareItem, CareReason

    begin_write(db.session)
    db.session.execute(CareReason.__table__.delete())
    db.session.execute(CareItem.__table__.delete())
    db.session.commit()
    for hours_ago in (6, 3, 2, 1, 0.5, 0):
        sweep.run(now - timedelta(hours=hours_ago))
    # Agents at work: the most urgent items are claimed, and one waits on its customer.
    from app.care import queries as care_queries
    from app.care import services as care

    rows = care_queries.queue(now)
    agents = db.session.scalars(select(User).where(User.role == "agent").order_by(User.id)).all()
    for (item, *_), agent in zip(rows[:len(agents)], agents, strict=False):
        care.claim(agent, item, now=now)
    if len(rows) > len(agents):
        care.set_status(agents[0], rows[len(agents)][0], "waiting", now=now)


def _email(username):
    return f"{username.lower()}@{EMAIL_DOMAIN}"


def _create_accounts(planned, now):
    """All demo accounts with one scrypt hash: the admin registers normally, the rest share its hash."""
    names = [account.username for account in planned]
    taken = db.session.scalars(select(User.username).where(or_(
        func.lower(User.username).in_([name.lower() for name in names]),
        User.email.in_([_email(name) for name in names]),
    ))).all()
    if taken:
        raise Conflict(f"Demo accounts already exist ({', '.join(sorted(taken)[:3])}…): "
                       "the demo community seems to be loaded already.")
    admin, *others = planned
    first = accounts.register(admin.username, _email(admin.username), DEMO_PASSWORD, role=admin.role, now=now)
    password_hash = first.password_hash
    # Hashing each account takes a noticeable fraction of a second with scrypt; the password is the same, so
    # the hash can be too. register() would also refuse the password for `demo`, which it contains.
    rows = [User(username=accounts.clean_username(a.username), email=accounts.clean_email(_email(a.username)),
                 role=a.role, password_hash=password_hash, created_at=a.joined) for a in others]
    begin_write(db.session)
    db.session.add_all(rows)
    db.session.commit()
    return {user.username: _detached(user) for user in [first, *rows]}


def _detached(obj):
    """`obj`, fully loaded and out of the session, so that passing it to a service costs no query.

    Every service begins with a rollback, which expires whatever the session holds: an actor or post kept
    there would be reloaded on each of the thousands of calls just to read its id.
    """
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


class _Timestamps:
    """Collects the planned moments while the services run, then writes them in a few bulk updates."""

    def __init__(self):
        self.questions, self.answers, self.comments = [], [], []
        self.question_votes, self.answer_votes = [], []

    def save(self, users, planned):
        """Backdate everything in one transaction."""
        joined = [{"pk": users[a.username].id, "at": a.joined} for a in planned]
        begin_write(db.session)
        for model, rows in ((User, joined), (Answer, self.answers), (Comment, self.comments)):
            table = model.__table__
            db.session.execute(update(table).where(table.c.id == bindparam("pk"))
                               .values(created_at=bindparam("at")), rows)
        questions = Question.__table__
        db.session.execute(update(questions).where(questions.c.id == bindparam("pk")).values(
            last_activity_at=bindparam("activity"), view_count=bindparam("views")), self.questions)
        revisions = Revision.__table__
        for column, rows in ((revisions.c.question_id, self.questions), (revisions.c.answer_id, self.answers)):
            db.session.execute(update(revisions).where(column == bindparam("pk"))
                               .values(created_at=bindparam("at")), rows)
        for model, column, rows in ((QuestionVote, "question_id", self.question_votes),
                                    (AnswerVote, "answer_id", self.answer_votes)):
            table = model.__table__
            db.session.execute(update(table).where(table.c.user_id == bindparam("voter"),
                                                   table.c[column] == bindparam("pk"))
                               .values(created_at=bindparam("at")), rows)
        db.session.commit()


def _load_thread(thread, users, stamps):
    """Ask, answer, comment, vote and accept exactly as members would, noting each planned moment."""
    question = _detached(threads.ask_question(users[thread.asker], thread.title, thread.body, thread.tags,
                                              now=thread.asked_at))
    stamps.questions.append({"pk": question.id, "at": thread.asked_at, "activity": thread.last_activity_at,
                             "views": thread.views})
    _load_reactions(thread, question, None, users, stamps)
    answers = []
    for reply in thread.answers:
        answer = _detached(threads.post_answer(users[reply.author], question, reply.body, now=reply.at))
        stamps.answers.append({"pk": answer.id, "at": reply.at})
        _load_reactions(reply, question, answer, users, stamps)
        answers.append(answer)
    if thread.accepted is not None:
        threads.accept_answer(users[thread.asker], answers[thread.accepted], now=thread.last_activity_at)


def _load_reactions(planned, question, answer, users, stamps):
    """The planned comments and votes on the question, or on one of its answers."""
    post = answer or question
    vote_rows = stamps.answer_votes if answer else stamps.question_votes
    for note in planned.comments:
        comment = threads.add_comment(users[note.author], question, note.text, answer=answer, now=note.at)
        stamps.comments.append({"pk": comment.id, "at": note.at})
    for voter, value, at in planned.votes:
        threads.cast_vote(users[voter], post, value, now=at)
        vote_rows.append({"voter": users[voter].id, "pk": post.id, "at": at})
